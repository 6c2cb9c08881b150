/**
 * Tamper in transit, as a lab has it switched: mail to a host has one byte changed after signing,
 * so the receiving host's DKIM check fails as it would for mail changed on the way. The switches
 * set for this lab (World page, API, WebSocket) win over what the world's hosts say, until a
 * lesson's scenario opens or closes.
 */
import { tamperInTransit, type TamperMode } from '../../core/world/tamper';
import type { WorldDefinition } from '../../core/world/world-types';

export class TamperSwitches {
  readonly #definition: () => WorldDefinition;
  readonly #log: (message: string) => void;
  readonly #switches = new Map<string, TamperMode>();

  constructor(definition: () => WorldDefinition, log: (message: string) => void) {
    this.#definition = definition;
    this.#log = log;
  }

  /** The mode mail to `host` travels under now. */
  of(host: string): TamperMode {
    return this.#switches.get(host) ?? this.#definition().hosts.find((h) => h.name === host)?.tamper ?? 'off';
  }

  /** Throws for a host the world does not have. */
  set(host: string, mode: TamperMode): void {
    const known = this.#definition().hosts.find((h) => h.name === host.toLowerCase());
    if (!known) throw new Error(`${host} is not a mail host of the lab world`);
    this.#switches.set(known.name, mode);
  }

  /** A scenario opened or closed: back to what the world's hosts say. */
  clear(): void {
    this.#switches.clear();
  }

  /** The signed message as it travels to `host`: with one byte changed when the host's switch is on. */
  apply(raw: Buffer, host: string): Buffer {
    const mode = this.of(host);
    const changed = mode === 'off' ? null : tamperInTransit(raw, mode);
    if (!changed) return raw;
    this.#log(`world: tamper in transit to ${host}: ${changed.what}`);
    return Buffer.from(changed.raw.buffer, changed.raw.byteOffset, changed.raw.byteLength);
  }
}
