/**
 * How the world's hops are wired: each relay hop gets a loopback pair to the relay's side and an
 * in-memory pair into the host, and the tap sits between them so the hop is a recorded
 * conversation. A host that is down is a closed port on 127.0.0.1: the relay's connect is refused
 * exactly like a real one. Every socket made here is kept until it is gone, for close() to destroy.
 */
import type net from 'node:net';
import type { TapEvent } from '../../core/wire';
import type { MxCandidate } from '../../core/world/lab-dns';
import { SEAT_HOST } from '../../core/world/seat-world';
import type { WorldEvent } from '../../core/world/world-events';
import type { WorldDefinition } from '../../core/world/world-types';
import type { LoopbackPairs } from '../tap/loopback-pair';
import { memorySocketPair, whenReleased } from '../tap/memory-pair';
import type { HopStart, HopTap } from './hop';
import type { LabClock } from './lab-clock';
import type { MailHost } from './mail-host';
import { connectThroughMiddlebox } from './middlebox-hop';
import type { QueueEntry } from './queue';
import type { HostTarget } from './relay-client';
import { dialClosedPort } from './world-sockets';

/** The learner's server seat: a hop to mx.you.test goes to the learner (or to the closed port while the seat is not open). */
export interface SeatHops {
  relayHop(hop: HopStart, observe: (event: TapEvent) => void, closedPort: number): Promise<HostTarget>;
}

export interface HopConnectionDeps {
  tap: HopTap;
  pairs: LoopbackPairs;
  /** A loopback port known to be closed: where a hop to a host that is down goes. */
  closedPort: number;
  /** The world as it is now (a lesson's scenario may change it). */
  definition(): WorldDefinition;
  /** A lab host's server, started with the first hop to it; undefined for none. */
  host(name: string): MailHost | undefined;
  seat?: SeatHops;
  clock: LabClock;
  emit(event: WorldEvent): void;
}

type Tapped = { socket: net.Socket; conversation: string | null };

export class HopConnections {
  readonly #deps: HopConnectionDeps;
  /** Every socket of a hop not yet gone: the host's end too, whose listeners smtp-server strips at STARTTLS. */
  readonly #sockets = new Set<net.Socket>();
  #closing = false;

  constructor(deps: HopConnectionDeps) {
    this.#deps = deps;
  }

  /** A tap between a new relay-side socket and a connection that leaves the lab (the smarthost). */
  async tapBetween(hop: HopStart, upstream: net.Socket, observe: (event: TapEvent) => void): Promise<Tapped> {
    this.#track(upstream);
    const clientSide = await this.#freshPair();
    const conversation = this.#deps.tap(hop, clientSide.far, upstream, observe)?.conversation ?? null;
    return { socket: clientSide.near, conversation };
  }

  /** The relay's hop to one MX of `domain`: a tapped connection to a host that is up; the closed port for one that is down. */
  async open(entry: QueueEntry, domain: string, candidate: MxCandidate, observe: (event: TapEvent) => void): Promise<HostTarget> {
    const { seat, clock, emit } = this.#deps;
    if (seat && candidate.exchange === SEAT_HOST) return this.#seatHop(entry, domain, candidate, seat, observe);
    const up = this.#deps.definition().hosts.some((h) => h.name === candidate.exchange && h.up);
    const host = up ? this.#deps.host(candidate.exchange) : undefined;
    if (!host) return { port: this.#deps.closedPort };
    const hop: HopStart = { queueId: entry.queueId, hop: entry.hop, attempt: entry.attempts, kind: entry.kind, domain, host: host.definition.name, address: host.definition.address, client: entry.client };
    const { socket, conversation } = await this.#connect(host, hop, observe);
    emit({ type: 'relay.hop', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain, host: host.definition.name, conversation });
    return { socket, conversation };
  }

  /**
   * A connection to a lab host as if dialled from `client`, tapped like a relay hop, for a terminal
   * that talks to an MX by hand. A host that is down rejects with ECONNREFUSED, as a real one would.
   */
  async openHost(name: string, client: { name: string; address: string }): Promise<net.Socket> {
    const definition = this.#deps.definition();
    const known = definition.hosts.find((h) => h.name === name.toLowerCase());
    if (!known) throw new Error(`${name} is not a lab mail host`);
    if (!known.up) return dialClosedPort(this.#deps.closedPort);
    const host = this.#deps.host(known.name);
    if (!host) throw new Error('The lab world is closing');
    const domain = definition.domains.find((d) => d.mx.some((r) => r.exchange === host.definition.name) || d.name === host.definition.name)?.name ?? '';
    const hop: HopStart = { queueId: null, hop: 1, attempt: 1, kind: 'direct', domain, host: host.definition.name, address: host.definition.address, client };
    // Dialled as the relay dials it, so through the same box on the path, if there is one.
    return (await this.#connect(host, hop, () => {})).socket;
  }

  /** No new hop from now on, and every socket a hop holds is destroyed: a stepping tap or a slow host must not hold up the close. */
  close(): void {
    this.#closing = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Straight into the host, or through the box on its path if it has one. */
  #connect(host: MailHost, hop: HopStart, observe: (event: TapEvent) => void): Promise<Tapped> {
    const box = host.definition.onPath;
    if (!box) return this.#connectTapped(host, hop, observe);
    return connectThroughMiddlebox({ tap: this.#deps.tap, freshPair: () => this.#freshPair(), track: (socket) => this.#track(socket) }, box, host, hop, observe);
  }

  /**
   * A loopback pair from the relay to the tap, and an in-memory pair from the tap into the host's
   * smtp-server, as the lab's own servers get theirs: the host runs in this process, and a kernel
   * round trip for every line there cost more than recording it.
   */
  async #connectTapped(host: MailHost, hop: HopStart, observe: (event: TapEvent) => void): Promise<Tapped> {
    const clientSide = await this.#freshPair();
    const hostSide = memorySocketPair({ remoteAddress: hop.client.address, remotePort: clientSide.near.localPort ?? 0 });
    this.#track(hostSide.near);
    this.#track(hostSide.far);
    const conversation = this.#deps.tap(hop, clientSide.far, hostSide.near, observe)?.conversation ?? null;
    // The host sees the sender's lab address, so its Received: header names the sending MTA.
    const id = conversation ?? `${hop.queueId ?? 'direct'}.${hop.attempt}.${clientSide.near.localPort ?? 0}`;
    host.accept(hostSide.far, { conversation: id, remoteAddress: hop.client.address, remotePort: clientSide.near.localPort ?? 0 });
    return { socket: clientSide.near, conversation };
  }

  /** The hop to the learner's server: recorded by the seat's own tap, announced like any other hop. */
  async #seatHop(entry: QueueEntry, domain: string, candidate: MxCandidate, seat: SeatHops, observe: (event: TapEvent) => void): Promise<HostTarget> {
    const hop: HopStart = { queueId: entry.queueId, hop: entry.hop, attempt: entry.attempts, kind: entry.kind, domain, host: SEAT_HOST, address: candidate.address ?? '', client: entry.client };
    const target = await seat.relayHop(hop, observe, this.#deps.closedPort);
    if ('socket' in target) this.#deps.emit({ type: 'relay.hop', at: this.#deps.clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain, host: SEAT_HOST, conversation: target.conversation ?? null });
    return target;
  }

  /** Kept until it is gone, for close() to destroy. */
  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    void whenReleased(socket).then(() => this.#sockets.delete(socket));
  }

  /**
   * A loopback pair whose sockets close() will destroy. Tracked the moment it exists: a pair made
   * while the world closes would otherwise keep the pairs' listener, and the close, waiting.
   */
  async #freshPair(): Promise<{ near: net.Socket; far: net.Socket }> {
    if (this.#closing) throw new Error('The lab world is closing');
    const pair = await this.#deps.pairs.pair();
    this.#track(pair.near);
    this.#track(pair.far);
    if (this.#closing) {
      pair.near.destroy();
      pair.far.destroy();
      throw new Error('The lab world is closing');
    }
    return pair;
  }
}
