/**
 * A lab's smtp-server instances, one per role and use, each started when first needed: most labs
 * of a classroom never use most roles, and an idle lab must stay small.
 */
import type { ConnectionProfile } from '../../core/protocol/delivery';
import type { LabAccount } from '../../core/smtp/credential-filter';
import type { LabCertificates } from './certificates';
import type { MessageStore } from './message-store';
import { createLabSmtpServer, type AcceptedMessage, type LabSmtpServer, type ServerLimits, type ServerRole } from './smtp-server';

/** The server role behind each compose profile. */
const PROFILE_ROLES: Record<ConnectionProfile, ServerRole> = { submission: 'submission', smtps: 'smtps', plain: 'welcoming' };

export interface LabServersOptions {
  certificates: LabCertificates;
  store: MessageStore;
  accounts: readonly LabAccount[];
  limits?: Partial<ServerLimits>;
  /** How long a compose connection may idle: a stepped delivery waits on the learner. */
  composeSocketTimeoutMs: number;
  onMessage(accepted: AcceptedMessage): void;
  /** Why no new mail can be taken now, or null. */
  busy?(): string | null;
  log(message: string): void;
}

export class LabServers {
  readonly #options: LabServersOptions;
  readonly #servers = new Map<string, LabSmtpServer>();

  constructor(options: LabServersOptions) {
    this.#options = options;
  }

  /** Outside clients and the terminal: the welcoming port-25 role. */
  smtp(): LabSmtpServer {
    return this.#server('smtp', 'welcoming');
  }

  /** Outside clients on the implicit-TLS port. */
  smtps(): LabSmtpServer {
    return this.#server('smtps', 'smtps');
  }

  /** A lesson's terminal may talk to the strict submission server or to lab.test's MX instead. */
  terminal(role: ServerRole): LabSmtpServer {
    return role === 'submission' || role === 'mx' ? this.#server(`terminal-${role}`, role) : this.smtp();
  }

  /** The compose client gets servers of its own, because only a stepped delivery may idle this long. */
  compose(profile: ConnectionProfile): LabSmtpServer {
    return this.#server(`compose-${profile}`, PROFILE_ROLES[profile], { socketTimeoutMs: this.#options.composeSocketTimeoutMs });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((server) => server.close()));
  }

  #server(key: string, role: ServerRole, limits: Partial<ServerLimits> = {}): LabSmtpServer {
    let server = this.#servers.get(key);
    if (!server) {
      const { certificates, store, accounts, onMessage, busy, log } = this.#options;
      server = createLabSmtpServer({ role, certificates, store, accounts, limits: { ...this.#options.limits, ...limits }, log, onMessage, ...(busy ? { busy } : {}) });
      this.#servers.set(key, server);
    }
    return server;
  }
}
