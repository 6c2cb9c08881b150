/**
 * The limits of hosted mode, each a named option of `npm start` (see cli.ts). A class shares one
 * small server, so every lab gets a fair share and nobody can take it all.
 */
import { DEFAULT_HOSTED_LAB_BYTES } from '../lab/lab-budget';

export interface HostedLimits {
  /** A lab nobody has used for this long (no page open, no open conversation) is closed. */
  idleMs: number;
  /** Labs one client address may hold at once (a browser holds one; a classroom behind NAT holds many). */
  labsPerAddress: number;
  /** Labs the bridge holds at once. */
  maxLabs: number;
  /** Conversations one lab may have open at once (terminal, compose and outside clients). */
  openConversations: number;
  /** Accepted messages a lab keeps; the oldest go first. */
  messages: number;
  /**
   * Bytes a lab keeps in all: transcripts, accepted messages, mailbox copies, queued mail and
   * bounces; the oldest go first (see lab/lab-budget.ts).
   */
  labBytes: number;
  /** WebSocket commands per second per lab (bursts of twice that are let through). */
  commandsPerSecond: number;
  /** Commands an outside SMTP client may send before it logs in (EHLO, STARTTLS, EHLO, AUTH and slack). */
  unauthenticatedCommands: number;
  /** Time an outside SMTP client has to log in; then 421 and the connection ends. */
  loginDeadlineMs: number;
  /** Connections one client address may hold open on the SMTP ports at once; the next gets 421. */
  connectionsPerAddress: number;
}

export const DEFAULT_HOSTED_LIMITS: HostedLimits = {
  idleMs: 30 * 60_000,
  labsPerAddress: 5,
  maxLabs: 1_500,
  openConversations: 10,
  messages: 200,
  labBytes: DEFAULT_HOSTED_LAB_BYTES,
  commandsPerSecond: 20,
  unauthenticatedCommands: 12,
  loginDeadlineMs: 120_000,
  connectionsPerAddress: 20,
};
