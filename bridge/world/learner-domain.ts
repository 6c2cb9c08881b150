/**
 * The learner's own domain on the bridge: its records (checked in core, replaced whole or not at
 * all), the DKIM keys the lab made for it (private keys never leave this process) and the one the
 * relay signs its mail with. Every change reaches the lab DNS and the mail-auth workers at once.
 */
import { LEARNER_DKIM_SELECTOR, workingSet, type DkimKeyOffer, type LearnerZone, type ZoneRecord, type ZoneSetting } from '../../core/world/learner-zone';
import type { MtaStsPolicy } from '../../core/world/world-types';
import { checkZone, type ZoneCheck } from '../../core/world/zone-checks';
import { createDkimKey, makeDkimKey, type DkimKey } from './mail-auth';

/** Keys the lab keeps for one domain: the working one and those made on request, newest last. */
export const MAX_DKIM_KEYS = 8;

export interface LearnerDomainOptions {
  domain: string;
  setting: ZoneSetting;
  /** TXT records elsewhere in the lab DNS (for following SPF includes). */
  outsideTxt(name: string): string[];
  /** The published set changed: the DNS and the workers answer from `zone` from now on. */
  onChange(zone: LearnerZone): void;
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
  }

  zone(): LearnerZone {
    return { domain: this.domain, records: this.#records.map((r) => ({ ...r })), mtaSts: this.#mtaSts ? { ...this.#mtaSts, mx: [...this.#mtaSts.mx] } : null };
  }

  /** The key the relay signs the learner's mail with (the newest one made, or the working one). */
  signingKey(): DkimKey {
    return this.#signing;
  }

  /** Replaces the whole set if every record is valid; otherwise changes nothing and says why. */
  replace(input: unknown): ZoneCheck {
    const checked = checkZone(input, { domain: this.domain, setting: this.#options.setting, outsideTxt: (name) => this.#options.outsideTxt(name), mtaSts: this.#mtaSts });
    if (checked.ok) this.#publish(checked.records, checked.mtaSts === undefined ? this.#mtaSts : checked.mtaSts);
    return checked;
  }

  /** The working set again, signed with the working key. */
  reset(): LearnerZone {
    this.#signing = this.#workingKey;
    this.#keys = [this.#workingKey];
    this.#publish(this.#workingSet(), null);
    return this.zone();
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
