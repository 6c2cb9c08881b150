/**
 * Hosted mode's labs: one per browser, found by an unguessable id the browser keeps in a cookie.
 * An id names a lab and nothing else; there is no list of labs and no way from one lab to another.
 * Each lab gets an account of its own, the only key outside SMTP clients can use to reach it.
 */
import { LOCAL_LEARNER_DOMAIN } from '../../core/world/learner-zone';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { LabAccount } from '../../core/smtp/credential-filter';
import { createLab, type LabSettings } from '../lab/lab';
import type { LabShared } from '../lab/lab-shared';
import { LabLimitError, type Lab } from '../lab/lab-types';
import type { HostedLimits } from './hosted-limits';
import { TokenBucket } from './token-bucket';
import { keptLabs, labDataFile, removeKeptLab, saveLabFacts } from './kept-labs';

export const LAB_COOKIE = 'smtplab_lab';

export interface HostedLab {
  readonly id: string;
  readonly lab: Lab;
  readonly account: LabAccount;
  readonly address: string;
  /** Pages (WebSockets) attached right now. */
  pages: number;
  lastSeen: number;
  readonly commands: TokenBucket;
}

export interface LabDirectoryOptions {
  shared: LabShared;
  limits: HostedLimits;
  /** Prefixes every lab id, so a load balancer can send a lab's requests back to its bridge. */
  nodeName?: string;
  /** Where outside clients reach the bridge's SMTP listeners (shown in each lab); known once they listen. */
  outside(): NonNullable<LabSettings['outside']>;
  /** The rest of each lab's settings (host, world options …). */
  settings: Omit<LabSettings, 'shared' | 'outside' | 'account' | 'hosted'>;
  log(level: 'info' | 'warn', message: string, fields?: Record<string, string | number>): void;
  /** Told when a lab has closed, so whatever kept per-lab state can let it go. */
  onClosed?(id: string): void;
  /** Where each lab keeps its database until it expires (--data-dir/labs); absent or null: memory only. */
  dataDir?: string | null;
}

/** Ids are letters, digits, - and _ (base64url), with the node name in front. */
const ID_PATTERN = /^[\w-]{16,80}$/;

export class LabDirectory {
  readonly #options: LabDirectoryOptions;
  readonly #labs = new Map<string, HostedLab>();
  readonly #byUser = new Map<string, HostedLab>();
  readonly #perAddress = new Map<string, number>();
  /** The last-used time each lab's facts on disk hold. */
  readonly #savedSeen = new Map<string, number>();
  /** Labs being created, counted so a burst of first visits cannot pass the limits. */
  #starting = 0;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(options: LabDirectoryOptions) {
    this.#options = options;
    const every = Math.max(1_000, Math.min(60_000, Math.floor(options.limits.idleMs / 4)));
    this.#sweeper = setInterval(() => void this.sweep(), every);
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#labs.size;
  }

  /** The lab behind an id from a cookie, if it is still open. */
  get(id: string | undefined): HostedLab | undefined {
    if (!id || !ID_PATTERN.test(id)) return undefined;
    return this.#labs.get(id);
  }

  /** The lab an outside client's AUTH names; the password is compared in constant time. */
  byCredentials(user: string, pass: string): HostedLab | undefined {
    const hosted = this.#byUser.get(user);
    if (!hosted) return undefined;
    const expected = Buffer.from(hosted.account.pass);
    const given = Buffer.from(pass);
    return expected.length === given.length && timingSafeEqual(expected, given) ? hosted : undefined;
  }

  /** A new lab for a browser at `address`. Throws LabLimitError past the per-address or bridge limit. */
  async create(address: string): Promise<HostedLab> {
    return this.#open(address, this.#newId(), this.#newAccount(), Date.now());
  }

  /**
   * Open again every lab the data directory kept that has not expired (the bridge restarted), and
   * remove those that have. A browser's cookie finds its lab as before.
   */
  async restore(now = Date.now()): Promise<number> {
    const dir = this.#options.dataDir;
    if (!dir) return 0;
    let opened = 0;
    for (const facts of keptLabs(dir, (message) => this.#options.log('warn', message))) {
      if (now - facts.lastSeen >= this.#options.limits.idleMs || this.#labs.size >= this.#options.limits.maxLabs) {
        removeKeptLab(dir, facts.id);
        continue;
      }
      try {
        await this.#open(facts.address, facts.id, facts.account, facts.lastSeen);
        opened += 1;
      } catch (error) {
        if (error instanceof LabLimitError) removeKeptLab(dir, facts.id);
        else this.#options.log('warn', 'kept lab not opened', { id: facts.id, error: String(error) });
      }
    }
    return opened;
  }

  async #open(address: string, id: string, account: LabAccount, lastSeen: number): Promise<HostedLab> {
    const { limits } = this.#options;
    if (this.#closed) throw new LabLimitError('The lab server is shutting down; try again in a minute.');
    if ((this.#perAddress.get(address) ?? 0) >= limits.labsPerAddress) {
      throw new LabLimitError(
        `Your address already holds ${limits.labsPerAddress} labs, the most one address may have. Use the lab you have open, or wait until an unused one closes (after ${minutes(limits.idleMs)} idle).`,
      );
    }
    if (this.#labs.size + this.#starting >= limits.maxLabs) {
      throw new LabLimitError(`This lab server holds ${limits.maxLabs} labs, its limit. Try again when a lab has closed (after ${minutes(limits.idleMs)} idle).`);
    }
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    this.#starting += 1;
    try {
      const dir = this.#options.dataDir;
      const lab = await createLab({
        ...this.#options.settings,
        shared: this.#options.shared,
        outside: this.#options.outside(),
        account,
        hosted: { idleMinutes: Math.round(limits.idleMs / 60_000), maxMessages: limits.messages, maxOpenConversations: limits.openConversations, commandsPerSecond: limits.commandsPerSecond },
        maxOpenConversations: limits.openConversations,
        maxMessages: limits.messages,
        maxLabBytes: limits.labBytes,
        dataFile: dir ? labDataFile(dir, id) : null,
        // A domain of its own, named apart from the lab's id (which is the secret in its cookie). A lab
        // restored from its database keeps the one it had there, with its records: this one is unused.
        world: { ...this.#options.settings.world, learnerDomain: `lab-${randomBytes(5).toString('hex')}.${LOCAL_LEARNER_DOMAIN}` },
      });
      if (dir) {
        saveLabFacts(dir, { id, account, address, lastSeen });
        this.#savedSeen.set(id, lastSeen);
      }
      const hosted: HostedLab = { id, lab, account, address, pages: 0, lastSeen, commands: new TokenBucket(limits.commandsPerSecond) };
      this.#labs.set(id, hosted);
      this.#byUser.set(account.user, hosted);
      this.#options.log('info', 'lab opened', { labs: this.#labs.size });
      return hosted;
    } catch (error) {
      this.#release(address);
      throw error;
    } finally {
      this.#starting -= 1;
    }
  }

  touch(hosted: HostedLab): void {
    hosted.lastSeen = Date.now();
  }

  /** Close every lab nobody has used for the idle time; their memory goes with them. */
  async sweep(now = Date.now()): Promise<number> {
    const idle = [...this.#labs.values()].filter(
      (hosted) => hosted.pages === 0 && hosted.lab.openConversationCount() === 0 && now - hosted.lastSeen >= this.#options.limits.idleMs,
    );
    await Promise.all(idle.map((hosted) => this.#closeLab(hosted, true)));
    this.#saveLastSeen();
    if (idle.length > 0) this.#options.log('info', 'idle labs closed', { closed: idle.length, labs: this.#labs.size });
    return idle.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#saveLastSeen();
    // Kept on disk until they expire: a restarted bridge opens them again.
    await Promise.all([...this.#labs.values()].map((hosted) => this.#closeLab(hosted, false)));
  }

  /** When each lab was last used, for a restarted bridge to know which have expired meanwhile. */
  #saveLastSeen(): void {
    const dir = this.#options.dataDir;
    if (!dir) return;
    for (const hosted of this.#labs.values()) {
      if (this.#savedSeen.get(hosted.id) === hosted.lastSeen) continue;
      saveLabFacts(dir, { id: hosted.id, account: hosted.account, address: hosted.address, lastSeen: hosted.lastSeen });
      this.#savedSeen.set(hosted.id, hosted.lastSeen);
    }
  }

  /** `expired`: the lab's files go with it. */
  async #closeLab(hosted: HostedLab, expired: boolean): Promise<void> {
    if (this.#labs.get(hosted.id) !== hosted) return;
    this.#labs.delete(hosted.id);
    this.#byUser.delete(hosted.account.user);
    this.#release(hosted.address);
    this.#savedSeen.delete(hosted.id);
    this.#options.onClosed?.(hosted.id);
    await hosted.lab.close();
    const dir = this.#options.dataDir;
    if (expired && dir) removeKeptLab(dir, hosted.id);
  }

  #release(address: string): void {
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, left);
  }

  #newId(): string {
    const prefix = this.#options.nodeName ? `${this.#options.nodeName}-` : '';
    return prefix + randomBytes(18).toString('base64url');
  }

  #newAccount(): LabAccount {
    let user: string;
    do user = `lab-${randomBytes(4).toString('hex')}`;
    while (this.#byUser.has(user));
    return { user, pass: randomBytes(12).toString('base64url') };
  }
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 1 ? `${m} minute${m === 1 ? '' : 's'}` : `${Math.round(ms / 1000)} seconds`;
}
