/**
 * Wire events: the one record of every SMTP conversation in the lab.
 * Everything the learner sees (transcript, statechart, explanations) is derived from these.
 */

/** Who put the line on the wire; `info` marks something that is not a line (connect, TLS, close). */
export type Direction = 'client' | 'server' | 'info';

/** What an `info` event reports. */
export type InfoKind = 'connected' | 'tls' | 'closed' | 'error' | 'record';

/** What an eavesdropper sees of one TLS record: who sent it, its type and its size, never its text. */
export interface TlsRecord {
  from: 'client' | 'server';
  /** 'handshake', 'application-data', 'alert', 'change-cipher-spec', or 'unknown'. */
  type: string;
  /** Length of the record's payload in bytes (the 5-byte header not counted). */
  bytes: number;
}

export interface WireEvent {
  /** Conversation id. */
  conversation: string;
  /** Which hop of a delivery this conversation is (0 for the first, or for a terminal session). */
  hop: number;
  dir: Direction;
  /** The line without its CRLF (printable form for binary junk; long lines are cut, see `cut`). */
  text: string;
  /** Milliseconds since the conversation began. */
  at: number;
  /** True when this line travelled inside TLS. */
  tls: boolean;
  /** Only for dir === 'info'. */
  info?: InfoKind;
  /** Bytes of the line that were not kept in `text`, when it was longer than the tap records. */
  cut?: number;
  /** Only for info === 'record': one TLS record as seen on the wire. */
  record?: TlsRecord;
  /**
   * Only for client lines that ended in a bare LF instead of CRLF. smtp-server ends a line of
   * commands at either, but ends DATA only at CRLF "." CRLF, so a "." after a bare LF is content.
   */
  bareLf?: boolean;
  /** Set when the text was replaced because it carried a credential that is not a lab one. */
  redacted?: boolean;
  /**
   * Only for client lines a gate held: when the client wrote the line (ms since the conversation
   * began), while `at` is when it was released to the server. A pipelining client writes several
   * lines before any reply; this keeps that visible although the gate releases them one by one.
   */
  sentAt?: number;
}

/** A wire event as a tap records it, before the conversation registry adds its id and hop. */
export type TapEvent = Omit<WireEvent, 'conversation' | 'hop'>;

/**
 * Where a conversation came from: the terminal, an outside client, the bridge's own compose client,
 * a relay hop, or a client talking to the learner's own server (Be the server).
 */
export type Origin = 'terminal' | 'external' | 'compose' | 'relay' | 'seat';

export interface ConversationSummary {
  id: string;
  origin: Origin;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number | null;
  /** Peer as the server sees it, e.g. "127.0.0.1:53422". */
  peer: string;
  /** The session machine's current state, as derived from the lines. */
  state: string;
}

export interface ConversationDetail extends ConversationSummary {
  lines: Array<Pick<WireEvent, 'dir' | 'text' | 'at' | 'tls' | 'info' | 'cut' | 'bareLf' | 'redacted' | 'record' | 'sentAt'>>;
  /**
   * Set when `lines` is one page (the welcome, the API): the number of its first line in the
   * conversation, to ask for the lines before it, and how many kept lines come earlier.
   */
  firstLine?: number;
  earlier?: number;
}

export interface MessageSummary {
  id: string;
  /** The conversation that delivered it. */
  conversation: string;
  /** Envelope sender (MAIL FROM), '' for the null reverse-path. */
  envelopeFrom: string;
  /** Envelope recipients (RCPT TO). */
  envelopeTo: string[];
  /** Header From: as text, or ''. */
  from: string;
  /** Header To: addresses as text. */
  to: string[];
  subject: string;
  /** Header Date: as ISO 8601, or null when absent or unreadable. */
  date: string | null;
  /** Epoch milliseconds when the server accepted it. */
  receivedAt: number;
  /** Size of the raw source in bytes. */
  size: number;
  /**
   * The mailbox this copy was delivered into; null for a message as the lab's own SMTP server
   * accepted it (before it travels on through the world).
   */
  mailbox?: string | null;
  /** Delivered into the mailbox's quarantine (Junk) because the sender's DMARC policy says so. */
  quarantined?: boolean;
  /** A mailbox copy nobody has opened yet (absent for a message as the lab server accepted it). */
  unread?: boolean;
}
