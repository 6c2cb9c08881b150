/**
 * The data of the journey machine (the path of one email): its context, its events, and the small
 * pure rules its guards and actions share. Kept apart from the machine so the app can read step
 * times and the queue id without XState.
 */
import { decodeBase64 } from '../smtp/base64';
import { parseCommand } from '../smtp/command';
import type { LineMode } from './session-model';

export const JOURNEY_STATES = [
  'composed', 'connecting', 'greeted', 'ehlo', 'starttls', 'auth', 'envelope', 'content',
  'accepted', 'refused', 'aborted',
] as const;
export type JourneyStateName = (typeof JOURNEY_STATES)[number];

export interface RecipientVerdict {
  address: string;
  code: number;
  /** The reply's lines joined by "\n". */
  text: string;
}

export interface JourneyReply {
  code: number;
  enhanced: string | null;
  text: string;
}

export interface JourneyContext {
  /** True while (and after) the email travels inside TLS. */
  tls: boolean;
  /** True when the connection was encrypted from its first byte (port 465), not via STARTTLS. */
  implicitTls: boolean;
  authenticated: boolean;
  /** The lab user the client logged in as, decoded from the AUTH lines; null when hidden or none. */
  authUser: string | null;
  /** MAIL FROM path once the server accepted it ('' for the null reverse-path). */
  from: string | null;
  accepted: RecipientVerdict[];
  refused: RecipientVerdict[];
  /** The queue id from "250 … queued as X" at the end of data. */
  queueId: string | null;
  /** The reply that decided the outcome (the 250 of the end of data, or the refusal); null for an abort. */
  response: JourneyReply | null;
  /** The latest complete reply, whatever it answered. */
  lastReply: JourneyReply | null;
  /** When each step was entered, in ms since the conversation began (absent: not reached; `composed` is before the wire). */
  enteredAt: Partial<Record<JourneyStateName, number>>;
  /** The client lines of the AUTH exchange in progress, to decode the user name on 235. */
  authLines: string[];
}

export type JourneyEvent =
  /** The connection opened; `tls` is true when it was encrypted from the start. */
  | { type: 'connected'; at: number; tls: boolean }
  /** A client line that is not message content; `mode` says how the session read it. */
  | { type: 'client.line'; at: number; text: string; mode: LineMode; redacted: boolean }
  /** A complete reply; `verb` is the key of the command it answers (see session-model), null for none. */
  | { type: 'server.reply'; at: number; verb: string | null; answers: string | null; reply: JourneyReply; code: number }
  | { type: 'tls.established'; at: number }
  | { type: 'closed'; at: number };

export function initialJourneyContext(): JourneyContext {
  return {
    tls: false,
    implicitTls: false,
    authenticated: false,
    authUser: null,
    from: null,
    accepted: [],
    refused: [],
    queueId: null,
    response: null,
    lastReply: null,
    enteredAt: {},
    authLines: [],
  };
}

// smtp-server's lab reply is "250 Ok: queued as <id>"; Postfix says the same.
const QUEUED_AS = /queued as ([A-Za-z0-9][A-Za-z0-9._-]*)/i;

export function queueIdOf(text: string): string | null {
  return QUEUED_AS.exec(text)?.[1] ?? null;
}

/**
 * The user name carried by an AUTH PLAIN / AUTH LOGIN exchange (the AUTH line first, then the
 * base64 answers to 334). Lines the tap replaced because they were not a lab account decode to
 * nothing, so a real user name can never come out of here.
 */
export function authUserOf(lines: readonly string[]): string | null {
  const [first = '', ...answers] = lines;
  const [mechanism = '', initial] = parseCommand(first).argument.trim().split(/\s+/);
  const name = mechanism.toUpperCase();
  if (name === 'PLAIN') {
    const decoded = decodeBase64((initial ?? answers[0] ?? '').trim());
    const user = decoded?.split('\u0000')[1];
    return user ? user : null;
  }
  if (name === 'LOGIN') {
    const user = decodeBase64((initial ?? answers[0] ?? '').trim());
    return user ? user : null;
  }
  return null;
}

export interface StepTime {
  step: JourneyStateName;
  /** ms since the conversation began when the step was entered. */
  at: number;
  /** How long the email stayed in the step; null for the step it is in now. */
  ms: number | null;
}

/** The steps reached, in the order they were entered, each with how long it took. */
export function stepTimes(context: JourneyContext): StepTime[] {
  const reached = JOURNEY_STATES.flatMap((step) => {
    const at = context.enteredAt[step];
    return at === undefined ? [] : [{ step, at }];
  }).sort((a, b) => a.at - b.at);
  return reached.map((entry, i) => {
    const next = reached[i + 1];
    return { ...entry, ms: next ? Math.round((next.at - entry.at) * 10) / 10 : null };
  });
}
