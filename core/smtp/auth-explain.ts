/**
 * The AUTH command (RFC 4954) and the base64 lines of an AUTH exchange, decoded so the learner
 * sees what travels. Base64 is an encoding, not encryption: that is why AUTH belongs inside TLS.
 */

import { decodeBase64 } from './base64';

/** Stands in for the NUL byte that separates the fields of AUTH PLAIN, so it can be seen. */
export const NUL_MARKER = '␀';

export const NOT_ENCRYPTION =
  'Base64 is an encoding, not encryption: anyone who sees this line can decode it. Only TLS (STARTTLS or port 465) hides it.';

const MECHANISMS: Record<string, { meaning: string; rfc: string }> = {
  PLAIN: {
    meaning: 'PLAIN: one base64 string holding authorization identity, user name and password, separated by NUL bytes.',
    rfc: 'RFC 4616',
  },
  LOGIN: {
    meaning: 'LOGIN: the server asks "Username:" and then "Password:", each question and answer in base64. Common, though never standardized.',
    rfc: 'draft-murchison-sasl-login',
  },
  'CRAM-MD5': {
    meaning: 'CRAM-MD5: the server sends a challenge and the client answers with a keyed hash, so the password itself is not sent.',
    rfc: 'RFC 2195',
  },
  'SCRAM-SHA-256': {
    meaning: 'SCRAM-SHA-256: a salted challenge-response exchange; the password is never sent and both sides prove who they are.',
    rfc: 'RFC 7677',
  },
  XOAUTH2: {
    meaning: 'XOAUTH2: the client sends an OAuth 2.0 access token instead of a password.',
    rfc: 'Google and Microsoft documentation',
  },
  EXTERNAL: {
    meaning: 'EXTERNAL: the identity comes from outside the exchange, typically a TLS client certificate.',
    rfc: 'RFC 4422 Appendix A',
  },
};

export interface DecodedResponse {
  meaning: string;
  decoded: string | null;
  problem: string | null;
}

/** Decode one base64 response (or the initial response of AUTH), showing NUL bytes as ␀. */
export function decodeAuthResponse(text: string, initial: boolean): DecodedResponse {
  const value = text.trim();
  if (value === '*') {
    return { meaning: 'Cancels the login; the server answers 501 and the session goes on without it (RFC 4954 §4).', decoded: null, problem: null };
  }
  // RFC 4954 §4: an empty initial response is sent as "="; an empty answer to 334 is an empty line.
  if ((initial && value === '=') || (!initial && value === '')) {
    return { meaning: 'An empty response.', decoded: '', problem: null };
  }
  const decoded = decodeBase64(value);
  if (decoded === null) {
    return {
      meaning: 'Meant to be base64, but it is not valid base64.',
      decoded: null,
      problem: 'This is not valid base64; the server will answer 501 (RFC 4954 §4).',
    };
  }
  const shown = decoded.split('\u0000').join(NUL_MARKER);
  const fields = decoded.split('\u0000');
  const meaning =
    fields.length === 3
      ? `Decoded, it is the PLAIN form authzid${NUL_MARKER}user${NUL_MARKER}password: authorization identity "${fields[0]}"${fields[0] === '' ? ' (empty: act as the user)' : ''}, user "${fields[1]}", password "${fields[2]}". ${NOT_ENCRYPTION}`
      : `Decoded, it reads "${shown}". ${NOT_ENCRYPTION}`;
  return { meaning, decoded: shown, problem: null };
}

/** Explain the mechanism named on an AUTH command line. */
export function explainMechanism(name: string): { meaning: string; rfc: string } {
  return (
    MECHANISMS[name.toUpperCase()] ?? {
      meaning: `${name.toUpperCase()}: a SASL mechanism this lab does not describe; the server answers 504 if it does not offer it.`,
      rfc: 'RFC 4422',
    }
  );
}
