/** The world options every lab of a bridge gets from its command line: the smarthost, the relay's connection limits. */
import type { SmarthostOptions } from '../outbound/smarthost';
import type { RelaySessionOptions } from './relay-sessions';

export function worldSettings(options: { outbound?: SmarthostOptions | null; relaySessions?: RelaySessionOptions }): {
  world?: { outbound?: SmarthostOptions; relaySessions?: RelaySessionOptions };
} {
  const world = { ...(options.outbound ? { outbound: options.outbound } : {}), ...(options.relaySessions ? { relaySessions: options.relaySessions } : {}) };
  return Object.keys(world).length ? { world } : {};
}
