/**
 * What a click on a "valid now" verb puts in the terminal input: a complete, sensible line the
 * learner can send as is or edit. Lab addresses only (lab.test is reserved for the lab).
 */
import type { LabInfo } from '../../core/protocol/messages';

const CLIENT_DOMAIN = 'client.lab.test';

export function templateFor(verb: string, lab: LabInfo | null): string {
  const user = lab?.credentials.user ?? 'learner';
  const pass = lab?.credentials.pass ?? 'learner';
  switch (verb.toUpperCase()) {
    case 'EHLO':
      return `EHLO ${CLIENT_DOMAIN}`;
    case 'HELO':
      return `HELO ${CLIENT_DOMAIN}`;
    case 'MAIL':
      return `MAIL FROM:<${user}@lab.test>`;
    case 'RCPT':
      return 'RCPT TO:<friend@lab.test>';
    case 'AUTH':
      // AUTH PLAIN carries "\0user\0password" in base64: an encoding, not encryption.
      return `AUTH PLAIN ${btoa(`\u0000${user}\u0000${pass}`)}`;
    case 'VRFY':
      return `VRFY ${user}`;
    case 'BDAT':
      return 'BDAT 0 LAST';
    default:
      return verb;
  }
}
