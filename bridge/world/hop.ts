/** What a relay hop is to whoever records it: the hop about to start, and the tap put on it. */
import type net from 'node:net';
import type { TapEvent } from '../../core/wire';
import type { QueuedKind } from '../../core/world/world-events';

/** One SMTP hop about to start: what a tap needs to record it as a conversation. */
export interface HopStart {
  /** null for a connection opened by hand (openHost), not by the queue. */
  queueId: string | null;
  /** 1: the relay's hop to the recipient's MX; 2: a bounce on its way back; ... */
  hop: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** 'direct': a connection opened with openHost, e.g. a terminal talking to an MX itself. */
  kind: QueuedKind | 'direct';
  domain: string;
  /** The host being connected to, and its lab address. */
  host: string;
  address: string;
  /** The MTA connecting (its EHLO name) and its lab address, e.g. smtp.lab.test. */
  client: { name: string; address: string };
  /**
   * Set for a hop that leaves the lab (the smarthost): a tap must verify that server's certificate
   * for `servername` (against `ca`, or the system's CAs) and, with implicitTls, speak TLS from the
   * first byte. `tapUpstream(hop)` turns this into LineTap options.
   */
  upstream?: { implicitTls: boolean; servername: string; ca?: string };
}

/**
 * Put a recorder between the relay's socket (`client`) and the host's (`server`), forwarding every
 * byte both ways (a LineTap does), and hand each event it records to `observe`, as it records it:
 * the relay reads its recipients' fates from those. Return the conversation id it records under, if any.
 */
export type HopTap = (hop: HopStart, client: net.Socket, server: net.Socket, observe: (event: TapEvent) => void) => { conversation: string } | void;
