/**
 * What a running lab offers to the HTTP/WebSocket layer. The lab owns the SMTP servers, the taps,
 * the conversations and the captured messages; the web layer only relays.
 */
import type { ConversationDetail, ConversationSummary, MessageSummary, WireEvent } from '../../core/wire';
import type { LabInfo } from '../../core/protocol/messages';

export interface LabEvents {
  'conversation.started': (conversation: ConversationSummary) => void;
  wire: (event: WireEvent) => void;
  'conversation.ended': (id: string, endedAt: number, state: string) => void;
  'message.stored': (message: MessageSummary) => void;
}

export interface TerminalSession {
  readonly conversation: ConversationSummary;
  /** Send one line as typed (CR/LF are stripped). Rejects if the connection is closed. */
  send(line: string): void;
  /** Drop the connection without QUIT. */
  close(): void;
  readonly closed: boolean;
}

export interface Lab {
  readonly info: LabInfo;
  /** The lab CA certificate (PEM). The private key never leaves the lab. */
  readonly caPem: string;
  /** Address the outside-client SMTP listener is bound to. */
  readonly smtpAddress: { host: string; port: number };

  listConversations(): ConversationSummary[];
  getConversation(id: string): ConversationDetail | undefined;
  listMessages(): MessageSummary[];
  /** Raw source as received, or undefined. */
  getRawMessage(id: string): Buffer | undefined;

  /** Open a terminal conversation: a real SMTP client connection from the bridge to the lab server. */
  openTerminal(): Promise<TerminalSession>;

  on<E extends keyof LabEvents>(event: E, listener: LabEvents[E]): void;
  off<E extends keyof LabEvents>(event: E, listener: LabEvents[E]): void;

  /** Close listeners and every connection. */
  close(): Promise<void>;
}

export interface LabOptions {
  host: string;
  /** 0 = any free port. */
  smtpPort: number;
  /** Directory for the lab CA and server certificate (created at first start). */
  stateDir: string;
}
