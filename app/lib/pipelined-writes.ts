/**
 * A paste of many lines goes to the bridge in writes of at most MAX_PIPELINED_LINES lines (what
 * one `terminal.lines` message may carry), one after another without waiting for replies. The
 * terminal says how many writes before the learner sends; the connection sends exactly these.
 */
import { MAX_PIPELINED_LINES } from '../../core/protocol/terminal-limits';

/**
 * A hosted lab takes a limited number of commands a second (`--commands-per-second`); there the
 * writes of one paste go at half that rate, so none is refused and typing still gets through.
 */
export function writeSpacingMs(commandsPerSecond: number | undefined): number {
  return commandsPerSecond ? Math.ceil(2000 / commandsPerSecond) : 0;
}

export function pipelinedWrites<T>(lines: readonly T[]): T[][] {
  const writes: T[][] = [];
  for (let at = 0; at < lines.length; at += MAX_PIPELINED_LINES) writes.push(lines.slice(at, at + MAX_PIPELINED_LINES));
  return writes;
}

export { MAX_PIPELINED_LINES };
