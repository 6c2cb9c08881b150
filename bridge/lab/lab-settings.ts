/** What a lab is started with: its ports and state (LabOptions) and every limit it keeps. */
import type { LabInfo } from '../../core/protocol/messages';
import type { LabAccount } from '../../core/smtp/credential-filter';
import type { DeliveryTimeouts } from '../outbound/timeouts';
import type { ConversationLimits } from './conversations';
import type { LabShared } from './lab-shared';
import type { LabOptions } from './lab-types';
import type { LabWorldOptions } from './lab-world';
import type { ServerLimits } from './smtp-server';

/**
 * Messages the relay queue may hold before new mail gets 452: about 20 MB of 1 KB messages,
 * reached only when an app sends faster than the world relays for many seconds on end.
 */
export const MAX_RELAY_BACKLOG = 10_000;

export interface LabSettings extends LabOptions {
  limits?: Partial<ServerLimits>;
  /** Messages the relay queue may hold before MAIL FROM gets 452 (default MAX_RELAY_BACKLOG). */
  maxRelayBacklog?: number;
  conversationLimits?: Partial<ConversationLimits>;
  maxMessages?: number;
  /**
   * Bytes the lab may keep in all: transcript lines, accepted messages, mailbox copies, queued
   * mail and bounces (see lab-budget.ts). Past it the oldest go first and the pages are told.
   */
  maxLabBytes?: number;
  /** Conversations a learner or client may have open at once (terminal, compose, outside). */
  maxOpenConversations?: number;
  /** The bridge's certificates, socket pairs and DKIM key, shared by its labs; absent: the lab's own. */
  shared?: LabShared;
  /**
   * Where outside clients reach this lab when the bridge listens for all its labs (hosted mode);
   * absent: the lab opens its own SMTP and SMTPS listeners on `smtpPort` and `smtpsPort`.
   */
  outside?: { smtp: { host: string; port: number }; smtps: { host: string; port: number } };
  /** The lab's own account (hosted mode), shown in its UI and the only one outside clients may use. */
  account?: LabAccount;
  /** The name outside clients should use for the SMTP ports, when it is not the bound address. */
  publicHost?: string;
  /** Hosted mode's facts for the UI. */
  hosted?: LabInfo['hosted'];
  /** Tests shorten these to show what a pause longer than a timeout does. */
  deliveryTimeouts?: Partial<DeliveryTimeouts>;
  /** How long clients of the learner's server seat wait for each reply (default: the teaching 10 minutes). */
  seatTimeoutMs?: number;
  /** Tests run the world's clock without real timers, or with shorter waits. */
  world?: LabWorldOptions['world'];
  /**
   * The lab database (SQLite) that keeps conversations, messages, mailboxes, the relay queue and
   * the lab clock across restarts; a lab started on one that holds something takes it back.
   * Absent or null: memory only.
   */
  dataFile?: string | null;
  log?(message: string): void;
}
