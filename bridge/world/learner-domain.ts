/**
 * The learner's own domain on the bridge: its records (checked in core, replaced whole or not at
 * all), the DKIM keys the lab made for it (private keys never leave this process) and the one the
 * relay signs its mail with. Every change reaches the lab DNS and the mail-auth workers at once.
 */
import { LEARNER_DKIM_SELECTOR, workingSet, type DkimKeyOffer, type LearnerZone, type ZoneRecord, type ZoneSetting } from '../../core/world/learner-zone';
import type { MtaStsPolicy } from '../../core/world/world-types';
import { checkZone, type ZoneCheck } from '../../core/world/zone-checks';
import type { ZoneOutcome } from '../../core/world/world-events';
import { createDkimKey, makeDkimKey, type DkimKey } from './mail-auth';

/** Keys the lab keeps for one domain: the working one and those made on request, newest last. */
export const MAX_DKIM_KEYS = 8;
/** Reasons a refusal's world event keeps (the reply to the learner has them all): events are kept by the hundred. */
export const MAX_REFUSAL_REASONS = 10;

export interface LearnerDomainOptions {
  domain: string;
  setting: ZoneSetting;
  /**
   * The zone a lab database kept (the bridge restarted): its records and policy are published again.
   * Its DKIM private keys were not kept, so the working key is new, and its record is rewritten to match.
   */
  kept?: LearnerZone | null;
  /** TXT records elsewhere in the lab DNS (for following SPF includes). */
  outsideTxt(name: string): string[];
  /** The published set changed: the DNS and the workers answer from `zone` from now on. */
  onChange(zone: LearnerZone): void;
  /** What came of a change the learner asked for (a lesson's goals read it), with the reasons of a refusal. */
  onOutcome?(outcome: ZoneOutcome, reasons: string[]): void;
}

/** The zone as it stood (records and keys), to put back when a lesson that changed it ends. */
export interface ZoneSnapshot {
  readonly records: readonly ZoneRecord[];
  readonly mtaSts: MtaStsPolicy | null;
  readonly signing: DkimKey;
  readonly keys: readonly DkimKey[];
}

/** A key was asked for while the last one is still being made. */
export class KeyBusyError extends Error {
  constructor() {
    super('The lab is still making the last key you asked for; ask again in a moment');
  }
}

export class LearnerDomain {
  readonly domain: string;
  readonly #options: LearnerDomainOptions;
  readonly #workingKey: DkimKey;
  #records: ZoneRecord[];
  /** The MTA-STS policy the lab world serves for the domain; none until the learner writes one. */
  #mtaSts: MtaStsPolicy | null = null;
  #signing: DkimKey;
  #keys: DkimKey[];
  #making = false;

  constructor(options: LearnerDomainOptions) {
    this.#options = options;
    this.domain = options.domain;
    this.#workingKey = createDkimKey(options.domain, LEARNER_DKIM_SELECTOR);
    this.#signing = this.#workingKey;
    this.#keys = [this.#workingKey];
    this.#records = this.#workingSet();
    const kept = options.kept?.domain === options.domain ? options.kept : null;
    if (kept) {
      const working = this.#records.find((r) => r.name === `${LEARNER_DKIM_SELECTOR}._domainkey.${this.domain}`);
      this.#records = kept.records.map((r) => (working && r.type === 'TXT' && r.name === working.name ? { ...working } : { ...r }));
      this.#mtaSts = kept.mtaSts ?? null;
    }
  }

  zone(): LearnerZone {
    return { domain: this.domain, records: this.#records.map((r) => ({ ...r })), mtaSts: this.#mtaSts ? { ...this.#mtaSts, mx: [...this.#mtaSts.mx] } : null };
  }

  /** The key the relay signs the learner's mail with (the newest one made, or the working one). */
  signingKey(): DkimKey {
    return this.#signing;
  }

  /**
   * Replaces the whole set if every record is valid; otherwise changes nothing and says why.
   * `report: false` for a change the lab makes itself (a lesson opening), not the learner.
   */
  replace(input: unknown, { report = true } = {}): ZoneCheck {
    const checked = checkZone(input, { domain: this.domain, setting: this.#options.setting, outsideTxt: (name) => this.#options.outsideTxt(name), mtaSts: this.#mtaSts });
    if (checked.ok) this.#publish(checked.records, checked.mtaSts === undefined ? this.#mtaSts : checked.mtaSts);
    if (report) this.#options.onOutcome?.(checked.ok ? 'published' : 'refused', checked.ok ? [] : checked.errors.slice(0, MAX_REFUSAL_REASONS).map((e) => (e.record ? `${e.record.type} ${e.record.name}: ${e.reason}` : e.reason)));
    return checked;
  }

  /** The working set again, signed with the working key. */
  reset({ report = true } = {}): LearnerZone {
    this.restore({ records: this.#workingSet(), mtaSts: null, signing: this.#workingKey, keys: [this.#workingKey] });
    if (report) this.#options.onOutcome?.('reset', []);
    return this.zone();
  }

  snapshot(): ZoneSnapshot {
    return { records: this.#records.map((r) => ({ ...r })), mtaSts: this.#mtaSts, signing: this.#signing, keys: [...this.#keys] };
  }

  /** The zone exactly as it was when `snapshot` was taken: records, keys and the key the relay signs with. */
  restore(snapshot: ZoneSnapshot): void {
    this.#signing = snapshot.signing;
    this.#keys = [...snapshot.keys];
    this.#publish(snapshot.records.map((r) => ({ ...r })), snapshot.mtaSts);
  }

  /** A new key the relay signs with from now on; its record is published only when the learner saves it. */
  async generateKey(algorithm: 'ed25519' | 'rsa', selector: string = `${LEARNER_DKIM_SELECTOR}${this.#keys.length + 1}`): Promise<DkimKeyOffer> {
    // An RSA key costs a core a tenth of a second or more: one at a time per lab, however fast it is asked.
    if (this.#making) throw new KeyBusyError();
    this.#making = true;
    let key: DkimKey;
    try {
      key = await makeDkimKey(this.domain, selector, algorithm);
    } finally {
      this.#making = false;
    }
    this.#keys = [...this.#keys.filter((k) => k.selector !== selector), key].slice(-MAX_DKIM_KEYS);
    this.#signing = key;
    return { selector, algorithm, record: { type: 'TXT', name: key.record.name, value: key.record.text } };
  }

  #workingSet(): ZoneRecord[] {
    return workingSet(this.domain, this.#options.setting, this.#workingKey.record.text);
  }

  #publish(records: ZoneRecord[], mtaSts: MtaStsPolicy | null): void {
    this.#records = records;
    this.#mtaSts = mtaSts;
    this.#options.onChange(this.zone());
  }
}
