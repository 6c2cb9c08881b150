/**
 * A strict host's EHLO and HELO (see core/world/helo-policy.ts): a name it refuses gets the
 * refusal and leaves the session as it was, as any refused EHLO does (RFC 5321 §4.1.4); a name it
 * takes goes on to smtp-server's own handler. A malformed command is smtp-server's to answer.
 */
import { parseCommand } from '../../core/smtp/command';
import type { LabReply } from '../../core/world/world-types';

type Handler = (command: Buffer, callback: () => void) => void;

interface ConnectionInternals {
  remoteAddress: string;
  send(code: number, data: string): void;
  handler_EHLO: Handler;
  handler_HELO: Handler;
}

export function useStrictHelo(connection: object, refusal: (name: string, address: string) => LabReply | null): void {
  const target = connection as ConnectionInternals;
  for (const key of ['handler_EHLO', 'handler_HELO'] as const) {
    const original = target[key].bind(connection);
    target[key] = (command, callback) => {
      // Read as core reads the line: a malformed one (no name, or more than one) has a problem.
      const parsed = parseCommand(command.toString());
      const refused = parsed.domain && !parsed.problem ? refusal(parsed.domain, target.remoteAddress) : null;
      if (!refused) return original(command, callback);
      target.send(refused.code, `${refused.enhanced} ${refused.text}`);
      callback();
    };
  }
}
