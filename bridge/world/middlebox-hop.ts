/**
 * A relay hop that crosses a man in the middle (a host's `onPath` box): two recorded wires, each
 * with the lines that really crossed it. The relay's hop records what the relay sent and what
 * reached it (the EHLO reply without STARTTLS); the box's own connection to the host records what
 * the host really said (STARTTLS on offer) under the box's name. The box is transparent, as such
 * boxes are: the host sees the relay's address, and its Received: header names the relay.
 */
import type net from 'node:net';
import type { TapEvent } from '../../core/wire';
import type { Middlebox } from '../../core/world/world-types';
import { memorySocketPair } from '../tap/memory-pair';
import type { HopStart, HopTap } from './hop';
import type { MailHost } from './mail-host';
import { stripStartTls } from './starttls-stripper';

export interface MiddleboxHopDeps {
  tap: HopTap;
  /** A fresh loopback pair to the relay, tracked for close(). */
  freshPair(): Promise<{ near: net.Socket; far: net.Socket }>;
  /** Keep a socket for close() to destroy. */
  track(socket: net.Socket): void;
}

export async function connectThroughMiddlebox(
  deps: MiddleboxHopDeps,
  box: Middlebox,
  host: MailHost,
  hop: HopStart,
  observe: (event: TapEvent) => void,
): Promise<{ socket: net.Socket; conversation: string | null }> {
  const relaySide = await deps.freshPair();
  const peer = { remoteAddress: hop.client.address, remotePort: relaySide.near.localPort ?? 0 };
  const intoBox = memorySocketPair(peer);
  const outOfBox = memorySocketPair(peer);
  const intoHost = memorySocketPair(peer);
  for (const pair of [intoBox, outOfBox, intoHost]) {
    deps.track(pair.near);
    deps.track(pair.far);
  }
  // The box's own wire to the host: no queue id, so it is never stepped or read for fates. It is
  // set up first, so the relay's hop is the newest conversation, as the relay.hop event names it.
  const boxHop: HopStart = { ...hop, queueId: null, client: { name: box.name, address: box.address } };
  const seen = deps.tap(boxHop, outOfBox.far, intoHost.near, () => {})?.conversation ?? null;
  const conversation = deps.tap(hop, relaySide.far, intoBox.near, observe)?.conversation ?? null;
  stripStartTls(intoBox.far, outOfBox.near);
  // What the host stores names the relay's hop, as for any hop: the journey follows the message
  // from that hop into the mailbox. The box's wire is only looked at, never followed.
  const id = conversation ?? seen ?? `${hop.queueId ?? 'direct'}.${hop.attempt}.${peer.remotePort}`;
  host.accept(intoHost.far, { conversation: id, remoteAddress: hop.client.address, remotePort: peer.remotePort });
  return { socket: relaySide.near, conversation };
}
