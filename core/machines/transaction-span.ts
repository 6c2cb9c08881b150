/**
 * One message's share of a session that carried several: a relay that keeps its connection open
 * sends the next message with a new MAIL FROM on it, so each message's hop is a run of
 * transactions within one recorded conversation. The session tracker says which client lines are
 * commands (a "MAIL FROM:" line inside a message is content), so only a real MAIL starts one.
 */
import { parseCommand } from '../smtp/command';
import { SessionTracker, type FedEvent } from './session-tracker';

/**
 * The events from the session's `first` transaction (from 1, counted by MAIL commands as the
 * relay counts them) up to the line before transaction `next`, or to the end. The first
 * transaction's share starts with the conversation itself: greeting, EHLO and STARTTLS belong to
 * the message that opened the connection.
 */
export function transactionSpan<E extends FedEvent>(events: readonly E[], first: number, next?: number): E[] {
  const tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  let mails = 0;
  let start = first <= 1 ? 0 : -1;
  for (const [index, event] of events.entries()) {
    const mode = tracker.advance(event);
    if (event.dir !== 'client' || mode !== 'command' || parseCommand(event.text).verb !== 'MAIL') continue;
    mails++;
    if (mails === first && first > 1) start = index;
    if (next !== undefined && mails === next) return start === -1 ? [] : events.slice(start, index);
  }
  return start === -1 ? [] : events.slice(start);
}
