/**
 * What happens to mail after the submission server said 250, as events the journey view draws:
 * queued, looked up, connecting, a hop, each recipient's fate, bounces. `at` is the lab clock
 * (epoch ms, fast-forwarded when the learner skips ahead), so retries line up with their waits.
 */
import type { AuthSteps } from './auth-steps';
import type { MxAnswer } from './lab-dns';
import type { DomainDefinition, HostDefinition, MagicLocalPart } from './world-types';

/** relay: the learner's mail on its way out; bounce: a DSN on its way back to a sender. */
export type QueuedKind = 'mail' | 'bounce';

/** What a recipient's delivery came to. */
export type RecipientOutcome = 'delivered' | 'deferred' | 'failed' | 'outside' | 'suppressed';

export type WorldEvent =
  | { type: 'queued'; at: number; queueId: string; kind: QueuedKind; from: string; to: string[]; conversation: string | null }
  | {
      type: 'dns.lookup';
      at: number;
      /** null for a lookup that is not part of a delivery (the world page, a lesson). */
      queueId: string | null;
      query: { name: string; type: 'MX' };
      answer: MxAnswer;
      /** The host the relay tries first, null when there is none to try. */
      chosen: string | null;
    }
  | { type: 'relay.connecting'; at: number; queueId: string; attempt: number; domain: string; host: string; address: string | null; preference: number }
  | { type: 'relay.unreachable'; at: number; queueId: string; attempt: number; domain: string; host: string; error: string }
  | {
      type: 'relay.hop';
      at: number;
      queueId: string;
      attempt: number;
      /** 1 for the relay's first hop, 2 for a bounce coming back, ... */
      hop: number;
      domain: string;
      host: string;
      /** The recorded conversation of this hop (from the tap), or null when it is not recorded. */
      conversation: string | null;
      /**
       * Set when the message rode on a connection kept open from earlier mail, as an MTA reuses
       * its connections: the greeting, EHLO and STARTTLS are at the start of `conversation`, and
       * this message's own MAIL FROM begins its `transaction`-th transaction (from 1).
       */
      reused?: { transaction: number };
    }
  | {
      type: 'recipient';
      at: number;
      queueId: string;
      attempt: number;
      recipient: string;
      outcome: RecipientOutcome;
      /** The reply that decided it (one line), or the lab's own reason when no server answered. */
      response: string;
      /** Enhanced status code. */
      status: string;
      host: string | null;
      /** For deferred: when the next attempt is due (lab clock). */
      retryAt: number | null;
    }
  | { type: 'bounce'; at: number; queueId: string; bounceQueueId: string; to: string; recipients: string[]; reportingMta: string }
  | { type: 'stored'; at: number; mailbox: string; messageId: string; host: string; conversation: string | null; outside: boolean }
  | { type: 'done'; at: number; queueId: string }
  /** A lab MX checked who sent a message (SPF, DKIM, DMARC) before deciding on it. */
  | ({ type: 'auth'; at: number; host: string; conversation: string | null } & AuthCheck)
  /** The learner's zone changed (published, or reset to the working set), or a change was refused whole: `reasons` say why. */
  | { type: 'zone'; at: number; domain: string; outcome: ZoneOutcome; reasons: string[] };

export type ZoneOutcome = 'published' | 'refused' | 'reset';

/** What a lab MX found out about a message's sender. */
export interface AuthCheck {
  /** The From: header's domain, the one DMARC protects. */
  fromDomain: string;
  spf: AuthResult;
  dkim: AuthResult;
  dmarc: AuthResult;
  /** The From: domain's published policy, null without a DMARC record. */
  policy: DmarcPolicy | null;
  verdict: AuthVerdict;
  /** The Authentication-Results header the host added (or would have, for a refusal), CRLF-terminated. */
  header: string;
  /** How each verdict was reached (absent when the check did not finish). */
  steps?: AuthSteps;
  /** The ARC chain the message carried (RFC 8617); absent when it carried none. */
  arc?: ArcCheck;
}

/** What a host made of a message's ARC chain: did it verify, who sealed it, what it carries. */
export interface ArcCheck {
  /** pass: every seal and the last message signature verify (RFC 8617 §5.2); fail otherwise. */
  result: AuthResult;
  /** The instance (i=) of the last ARC set: how many ARC sealers the message passed. */
  instance: number;
  /** d= of the last ARC-Seal: who vouches for the chain. */
  sealer: string;
  /** What the last sealer found when the message reached it (its ARC-Authentication-Results). */
  carried: { mta: string; spf: AuthResult | null; dkim: AuthResult | null; dmarc: AuthResult | null } | null;
  /** The sealer is one this host trusts (a lab setting on the host, shown on the World page). */
  trusted: boolean;
  /** A DMARC failure was overridden on the strength of this chain (RFC 7489 §6.7, RFC 8617 §7.2.1). */
  overrode: boolean;
  /** mailauth's words on the chain (why it failed, or the carried results). */
  comment: string;
}

/** Results as RFC 8601 names them (mailauth's words). */
export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy' | 'skipped';
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';
/** accepted: delivered as usual; quarantined: delivered, marked as suspect; rejected: 550 5.7.26 at the end of DATA. */
export type AuthVerdict = 'accepted' | 'quarantined' | 'rejected';

/** `GET /api/world`: everything the world page shows. */
export interface WorldDescription {
  /** `ptr`: the PTR records at the address's reverse name (`10.2.0.192.in-addr.arpa`), as the lab DNS answers them. */
  relay: { name: string; address: string; domain: string; ptr: string[] };
  domains: Array<DomainDefinition & { answer: MxAnswer }>;
  hosts: Array<HostDefinition & { ptr: string[] }>;
  magicLocalParts: Record<MagicLocalPart, string>;
  timing: { greylistMinDelayMs: number; slowReplyMs: number; lateBounceDelayMs: number; retryBaseMs: number; maxAttempts: number };
  /** How mail for a domain the lab does not know is handled. */
  outside: string;
  /** The smarthost for outside mail when one is configured (never with its credentials). */
  outbound?: { smarthost: string; allowed: string[] } | null;
}

/** One mailbox, for the inbox list. */
export interface MailboxSummary {
  address: string;
  /** True for mail to a domain outside the lab, kept here instead of leaving the machine. */
  outside: boolean;
  messages: number;
  /** Copies in it nobody has opened yet: the count the inbox tab shows. */
  unread: number;
  /** Epoch ms of the newest message. */
  latestAt: number | null;
}
