/**
 * Be the server, as the page knows it: whether the learner's server listens (and where), what the
 * clients started against it reported, and the bridge's refusal of a typed reply. Small on purpose:
 * it lives on the first screen's connection; the view that uses it loads when opened.
 */
import type { BridgeMessage, ClientMessage } from '../../core/protocol/messages';
import type { PreparedMessageId, SeatClient, SeatClientReport, SeatInfo } from '../../core/protocol/seat';

const MAX_REPORTS = 20;

export class ServerSeatState {
  #info = $state.raw<SeatInfo | null>(null);
  #reports = $state.raw<SeatClientReport[]>([]);
  #refusal = $state.raw<string | null>(null);
  #replyRefs = new Set<string>();
  #counter = 0;
  readonly #send: (message: ClientMessage) => boolean;

  constructor(send: (message: ClientMessage) => boolean) {
    this.#send = send;
  }

  get info(): SeatInfo | null {
    return this.#info;
  }
  /** Newest first. */
  get reports(): SeatClientReport[] {
    return this.#reports;
  }
  /** Why the bridge refused the last reply typed here, until the next one goes. */
  get refusal(): string | null {
    return this.#refusal;
  }

  open(): void {
    this.#send({ type: 'seat.open' });
  }
  close(): void {
    this.#send({ type: 'seat.close' });
  }
  start(client: SeatClient, message: PreparedMessageId): void {
    this.#send({ type: 'seat.start', client, message });
  }
  /** Lines already checked here; the bridge checks them again and refuses what is not SMTP. */
  reply(conversation: string, lines: string[]): boolean {
    const ref = `seat-${++this.#counter}`;
    this.#refusal = null;
    if (!this.#send({ type: 'seat.reply', ref, conversation, lines })) return false;
    this.#replyRefs.add(ref);
    if (this.#replyRefs.size > 50) this.#replyRefs.delete(this.#replyRefs.values().next().value ?? '');
    return true;
  }
  hangUp(conversation: string): void {
    this.#send({ type: 'seat.hangup', conversation });
  }

  setInfo(info: SeatInfo | null): void {
    this.#info = info;
  }
  /** The bridge's word on the seat, heard by every page of the lab (`seat.started` answers the asker alone, and says nothing new). */
  receive(message: Extract<BridgeMessage, { type: 'seat.opened' | 'seat.client' | 'seat.started' }>): void {
    if (message.type === 'seat.opened') this.setInfo(message.seat);
    else if (message.type === 'seat.client') this.#reports = [message.report, ...this.#reports].slice(0, MAX_REPORTS);
  }
  /** An error answering a reply of ours: shown beside the input. True when it was one. */
  refused(ref: string, message: string): boolean {
    if (!this.#replyRefs.delete(ref)) return false;
    this.#refusal = message;
    return true;
  }
}
