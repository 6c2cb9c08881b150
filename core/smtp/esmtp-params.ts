/**
 * The ESMTP parameters that may follow the path on MAIL FROM and RCPT TO, each explained.
 * A server answers 555 to a parameter it does not recognize (RFC 5321 §4.1.1.11).
 */

export interface ParamExplanation {
  /** The parameter as typed, e.g. "SIZE=2048". */
  text: string;
  meaning: string;
  /** Why the server would likely refuse it, or null. */
  problem: string | null;
}

type Verb = 'MAIL' | 'RCPT';

interface ParamRule {
  on: Verb;
  /** Meaning for a value, or a problem when the value is not allowed. */
  explain: (value: string, bare: boolean) => { meaning: string } | { problem: string };
}

/** xtext (RFC 3461 §4): "+" and two hex digits stand for one byte, so "+3D" is "=". */
export function decodeXtext(text: string): string {
  return text.replace(/\+([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const NOTIFY_WORDS: Record<string, string> = {
  SUCCESS: 'when it is delivered',
  FAILURE: 'when it fails',
  DELAY: 'when it is delayed',
};

/** ["a", "b", "c"] -> "a, b or c". */
function listInWords(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

const RULES: Record<string, ParamRule> = {
  SIZE: {
    on: 'MAIL',
    explain: (value) =>
      /^\d+$/.test(value)
        ? { meaning: `Declares the message is about ${Number(value)} octets, so the server can refuse it now with 552 instead of after the upload (RFC 1870).` }
        : { problem: 'SIZE needs a number of octets, e.g. SIZE=2048 (RFC 1870).' },
  },
  BODY: {
    on: 'MAIL',
    explain: (value) => {
      switch (value.toUpperCase()) {
        case '7BIT':
          return { meaning: 'Declares the message is plain 7-bit ASCII, which is the default (RFC 6152).' };
        case '8BITMIME':
          return { meaning: 'Declares the message may contain 8-bit bytes; the server must have announced 8BITMIME (RFC 6152).' };
        case 'BINARYMIME':
          return { meaning: 'Declares the message is raw binary; it must then be sent with BDAT, not DATA (RFC 3030 §3).' };
        default:
          return { problem: 'BODY must be 7BIT, 8BITMIME or BINARYMIME.' };
      }
    },
  },
  SMTPUTF8: {
    on: 'MAIL',
    explain: (_, bare) =>
      bare
        ? { meaning: 'Asks to use UTF-8 in addresses and header fields for this message; the server must have announced SMTPUTF8 (RFC 6531 §3.4).' }
        : { problem: 'SMTPUTF8 takes no value; write it alone.' },
  },
  REQUIRETLS: {
    on: 'MAIL',
    explain: (_, bare) =>
      bare
        ? { meaning: 'Demands that every hop pass this message on only over TLS; otherwise it is returned (RFC 8689).' }
        : { problem: 'REQUIRETLS takes no value; write it alone.' },
  },
  RET: {
    on: 'MAIL',
    explain: (value) =>
      value.toUpperCase() === 'FULL' ? { meaning: 'If a failure report is sent, it should include the whole message (RFC 3461 §4.3).' }
      : value.toUpperCase() === 'HDRS' ? { meaning: 'If a failure report is sent, it should include only the header of the message (RFC 3461 §4.3).' }
      : { problem: 'RET must be FULL or HDRS.' },
  },
  ENVID: {
    on: 'MAIL',
    explain: (value) =>
      value
        ? { meaning: `An envelope identifier of your choosing ("${decodeXtext(value)}"), repeated in any delivery report so you can match it (RFC 3461 §4.4).` }
        : { problem: 'ENVID needs a value, e.g. ENVID=QQ314159.' },
  },
  AUTH: {
    on: 'MAIL',
    explain: (value) =>
      value === '<>'
        ? { meaning: 'Says the original submitter of this message is not known or not trusted (RFC 4954 §5).' }
        : value
          ? { meaning: `Names the authenticated identity that submitted the message: "${decodeXtext(value)}" (RFC 4954 §5).` }
          : { problem: 'AUTH= needs a mailbox or <>.' },
  },
  NOTIFY: {
    on: 'RCPT',
    explain: (value) => {
      const words = value.toUpperCase().split(',');
      if (words.length === 1 && words[0] === 'NEVER') return { meaning: 'Asks never to send a delivery report for this recipient (RFC 3461 §4.1).' };
      const wanted = words.map((word) => NOTIFY_WORDS[word]);
      if (words.includes('NEVER') || wanted.some((w) => w === undefined)) {
        return { problem: 'NOTIFY is NEVER alone, or any of SUCCESS, FAILURE, DELAY separated by commas.' };
      }
      return { meaning: `Asks for a delivery report for this recipient ${listInWords(wanted as string[])} (RFC 3461 §4.1).` };
    },
  },
  ORCPT: {
    on: 'RCPT',
    explain: (value) => {
      const semi = value.indexOf(';');
      if (semi <= 0) return { problem: 'ORCPT is "type;address", e.g. ORCPT=rfc822;bob@example.test.' };
      return {
        meaning: `The original recipient as the sender first wrote it (type ${value.slice(0, semi)}, address "${decodeXtext(value.slice(semi + 1))}"), quoted back in delivery reports (RFC 3461 §4.2).`,
      };
    },
  },
};

/** Explain each space-separated parameter after the path of a MAIL FROM or RCPT TO line. */
export function explainParams(text: string, verb: Verb): ParamExplanation[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((token) => token !== '')
    .map((token) => {
      const eq = token.indexOf('=');
      const key = (eq === -1 ? token : token.slice(0, eq)).toUpperCase();
      const value = eq === -1 ? '' : token.slice(eq + 1);
      const rule = RULES[key];
      if (!rule) {
        return {
          text: token,
          meaning: 'A parameter this lab does not know.',
          problem: `${key} is not a parameter this lab knows; a server that does not recognize it answers 555 (RFC 5321 §4.1.1.11).`,
        };
      }
      if (rule.on !== verb) {
        const where = rule.on === 'MAIL' ? 'MAIL FROM' : 'RCPT TO';
        return { text: token, meaning: `${key} belongs on ${where}.`, problem: `${key} belongs on ${where}, not here; expect 555.` };
      }
      const result = rule.explain(value, eq === -1);
      return 'problem' in result
        ? { text: token, meaning: result.problem, problem: result.problem }
        : { text: token, meaning: result.meaning, problem: null };
    });
}
