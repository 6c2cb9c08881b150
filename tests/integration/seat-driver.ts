/**
 * The learner at the server seat, for tests: waits for the client's next line in a conversation
 * and types the server's replies through the lab's seat, as the page does.
 */
import type { Lab } from '../../bridge/lab/lab-types';
import type { SeatClientReport } from '../../core/protocol/seat';
import type { WireEvent } from '../../core/wire';
import { eventually } from './smtp-client';

export class SeatDriver {
  readonly events: WireEvent[] = [];
  readonly reports: SeatClientReport[] = [];
  readonly #lab: Lab;
  /** Per conversation: how far its lines have been read. */
  readonly #read = new Map<string, number>();

  constructor(lab: Lab) {
    this.#lab = lab;
    lab.on('wire', (event) => this.events.push(event));
    lab.on('seat.client', (report) => this.reports.push(report));
  }

  /** The newest conversation to the seat not yet taken, from `origin` ('seat': a client on its port; 'relay': the lab's relay). */
  async conversation(origin: 'seat' | 'relay', taken: readonly string[] = []): Promise<string> {
    return eventually(() =>
      this.#lab.listConversations().find((c) => c.origin === origin && !taken.includes(c.id) && (origin === 'seat' || c.peer.endsWith('mx.you.test')))?.id,
    );
  }

  /** The client's next line in `conversation` (skipping message content up to a match), once it is on the wire. */
  async expect(conversation: string, pattern: RegExp, timeoutMs = 5_000): Promise<WireEvent> {
    return eventually(() => {
      const start = this.#read.get(conversation) ?? 0;
      for (let i = start; i < this.events.length; i++) {
        const event = this.events[i] as WireEvent;
        if (event.conversation !== conversation || event.dir !== 'client' || !pattern.test(event.text)) continue;
        this.#read.set(conversation, i + 1);
        return event;
      }
      return null;
    }, timeoutMs);
  }

  /** Type a reply (one line or several). */
  answer(conversation: string, ...lines: string[]): void {
    this.#lab.seat.reply(conversation, lines);
  }

  /** Wait for the client's line, then answer it. */
  async on(conversation: string, pattern: RegExp, ...reply: string[]): Promise<WireEvent> {
    const line = await this.expect(conversation, pattern);
    this.answer(conversation, ...reply);
    return line;
  }

  lines(conversation: string, dir: 'client' | 'server'): WireEvent[] {
    return this.events.filter((e) => e.conversation === conversation && e.dir === dir);
  }

  report(run: string): Promise<SeatClientReport> {
    return eventually(() => this.reports.find((r) => r.run === run), 10_000);
  }
}
