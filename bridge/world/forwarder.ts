/**
 * The lab's forwarders at work: a message for an alias or a list is sent on through the lab's
 * queue as a real forwarder re-sends it — a new transaction from the forwarder's own host and
 * address, the envelope the rules of core/world/forwarding give, a list's changes made — and
 * sealed with the forwarder's ARC key, so the next host can read what the forwarder found.
 */
import { arcAuthResults, forwardEnvelope, listCopy } from '../../core/world/forwarding';
import type { WorldDefinition } from '../../core/world/world-types';
import { makeDkimKey, type DkimKey } from './mail-auth';
import type { ForwardRequest } from './mail-host';
import type { EnqueueInput } from './queue';

/**
 * ARC keys by domain and selector, one per bridge: RSA 2048 (the one algorithm ARC defines)
 * takes a tenth of a second or more to make, and every lab of a bridge may share it.
 */
const arcKeys = new Map<string, Promise<DkimKey>>();

/** The ARC keys of every forwarding domain of `world`, made once per bridge. */
export function forwarderKeys(world: WorldDefinition): Promise<DkimKey[]> {
  return Promise.all(
    world.domains.flatMap((domain) => {
      if (!domain.forwarding) return [];
      const name = `${domain.forwarding.arcSelector}._domainkey.${domain.name}`;
      let key = arcKeys.get(name);
      if (!key) {
        key = makeDkimKey(domain.name, domain.forwarding.arcSelector, 'rsa');
        arcKeys.set(name, key);
      }
      return [key];
    }),
  );
}

export interface ForwarderDeps {
  keys: readonly DkimKey[];
  seal(key: DkimKey, raw: Buffer, authResults: string): Promise<Buffer>;
  enqueue(input: EnqueueInput): void;
  log(message: string): void;
}

export interface Forwarder {
  /** Sends on what a host took for one of its aliases or lists. */
  forward(request: ForwardRequest): void;
  /** Messages being sealed, not yet in the queue. */
  readonly sealing: number;
  /** Resolves once nothing is being sealed. */
  idle(): Promise<void>;
}

export function createForwarder(deps: ForwarderDeps): Forwarder {
  const inFlight = new Set<Promise<void>>();
  const forward = (request: ForwardRequest) => {
    const { host, target, check } = request;
    const { envelopeFrom, envelopeTo } = forwardEnvelope(target, request.envelopeFrom);
    // latin1 keeps every byte as it came; the list's tag and footer are ASCII.
    const changed = target.kind === 'list' ? Buffer.from(listCopy(target.list, request.raw.toString('latin1')), 'latin1') : request.raw;
    // The key of the domain the forwarding host belongs to (mx.forward.test seals for forward.test).
    const key = deps.keys.find((k) => host.name.endsWith(`.${k.domain}`));
    const sealed = key && check ? deps.seal(key, changed, arcAuthResults(check.header)) : Promise.resolve(changed);
    const done = sealed
      .then((raw) => deps.enqueue({ raw, envelopeFrom, envelopeTo, kind: 'mail', hop: 2, client: { name: host.name, address: host.address }, arrivedAt: request.arrivedAt }))
      .catch((error: unknown) => deps.log(`${host.name}: not forwarded: ${String(error)}`))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  return {
    forward,
    get sealing() {
      return inFlight.size;
    },
    idle: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
