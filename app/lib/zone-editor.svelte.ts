/**
 * The zone editor's state: a draft of the learner's records, saved whole through the JSON API
 * (PUT), with the bridge's reason beside each record it refused. Nothing is checked here: the
 * bridge's checks (core/world/zone-checks) are the only judge, so the page and curl agree.
 */
import type { DkimKeyOffer, LearnerZone, ZoneError, ZoneRecord, ZoneRecordType } from '../../core/world/learner-zone';
import { policyText } from '../../core/world/mta-sts';
import type { MtaStsPolicy } from '../../core/world/world-types';

export class ZoneEditor {
  readonly domain: string;
  draft = $state<ZoneRecord[]>([]);
  /** Reasons by the record's place in the draft; -1 for the set as a whole. */
  errors = $state.raw<Map<number, string>>(new Map());
  status = $state('');
  busy = $state(false);
  /** The MTA-STS policy file as the learner edits it ("key: value" lines); empty: none served. */
  policy = $state('');
  /** The signing key the lab made last, until its record is saved. */
  offered = $state.raw<DkimKeyOffer | null>(null);
  /** Records published elsewhere while the draft had edits of the learner's: kept aside until taken. */
  incoming = $state.raw<ZoneRecord[] | null>(null);
  /** The records as the bridge last said they are published: the draft is untouched while it equals them. */
  #published: ZoneRecord[] = [];

  constructor(domain: string) {
    this.domain = domain;
  }

  get #base(): string {
    return `/api/world/domains/${encodeURIComponent(this.domain)}`;
  }

  async load(): Promise<void> {
    // What the learner typed while it loaded (records arrived from another page first) is kept.
    await this.#run('', () => fetch(`${this.#base}/records`), 'Loaded.', { keepEdits: true });
  }

  /**
   * The records changed elsewhere (another page, the API, a lesson, a reset). An untouched draft
   * follows at once; a draft with edits is kept, and the new records wait for the learner's word.
   */
  published(zone: LearnerZone, taken = 'Changed elsewhere (another page, the API or a lesson): these are the records published now.'): void {
    if (sameRecords(zone.records, this.#published)) return;
    if (sameRecords(zone.records, this.draft) || sameRecords(this.draft, this.#published)) {
      const echo = sameRecords(zone.records, this.draft);
      this.#take(zone.records, zone.mtaSts);
      if (!echo) this.status = taken;
      return;
    }
    this.incoming = zone.records.map((r) => ({ ...r }));
    this.status = 'The records were changed elsewhere while you were editing: your edits are kept, not saved.';
  }

  /** Drop the draft's edits for the records published elsewhere. */
  takeIncoming(): void {
    if (this.incoming) this.#take(this.incoming);
    this.status = 'These are the records published now.';
  }

  /** `mtaSts` undefined: the policy box is left as it is. */
  #take(records: ZoneRecord[], mtaSts?: MtaStsPolicy | null): void {
    if (mtaSts !== undefined) this.policy = mtaSts ? policyText(mtaSts).replaceAll('\r\n', '\n') : '';
    this.#published = records.map((r) => ({ ...r }));
    this.draft = records.map((r) => ({ ...r }));
    this.errors = new Map();
    this.incoming = null;
  }

  add(type: ZoneRecordType = 'TXT'): void {
    this.draft.push({ type, name: this.domain, value: '' });
  }

  remove(index: number): void {
    this.draft.splice(index, 1);
    this.errors = new Map();
  }

  save(): Promise<void> {
    return this.#run('Saving…', () => fetch(`${this.#base}/records`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: this.draft, mtaSts: this.policy.trim() ? this.policy : null }) }), 'Saved: the lab DNS answers with these records now.');
  }

  /**
   * A policy to start from, in testing mode for the MX hosts the draft names, and the `_mta-sts`
   * record that announces it with a fresh id: both saved with the records.
   */
  addPolicy(): void {
    const mx = this.draft.filter((r) => r.type === 'MX' && r.name === this.domain).map((r) => r.value.split(/\s+/)[1] ?? '').filter(Boolean);
    this.policy = policyText({ mode: 'testing', mx, maxAge: 86_400 }).replaceAll('\r\n', '\n');
    const name = `_mta-sts.${this.domain}`;
    const id = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    this.draft = [...this.draft.filter((r) => !(r.type === 'TXT' && r.name === name)), { type: 'TXT', name, value: `v=STSv1; id=${id};` }];
  }

  /** Zone-file lines (`name TTL IN TYPE value`) replace the whole set, checked as a save is. */
  importZoneFile(text: string): Promise<void> {
    return this.#run('Importing…', () => fetch(`${this.#base}/zone`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: text }), 'Imported: the lab DNS answers with these records now.', { besideRecords: false });
  }

  reset(): Promise<void> {
    this.offered = null;
    return this.#run('Resetting…', () => fetch(`${this.#base}/reset`, { method: 'POST' }), 'Back to the working set.');
  }

  /** The lab makes a key and signs with it at once; its record joins the draft, to be saved. */
  async generateKey(algorithm: 'ed25519' | 'rsa'): Promise<void> {
    this.busy = true;
    this.status = `Making an ${algorithm === 'rsa' ? 'RSA 2048' : 'Ed25519'} key…`;
    try {
      const res = await fetch(`${this.#base}/dkim-keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ algorithm }) });
      const body = (await res.json()) as DkimKeyOffer | { error: string };
      if (!res.ok || 'error' in body) throw new Error('error' in body ? body.error : `HTTP ${res.status}`);
      this.offered = body;
      this.draft.push(body.record);
      this.status = `The lab signs your mail with selector ${body.selector} from now on. Save to publish its key, or mail fails DKIM.`;
    } catch (error) {
      this.status = `No key made: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.busy = false;
    }
  }

  /**
   * `besideRecords`: the refused records are the draft's, so each reason goes beside its row; otherwise into the status.
   * `keepEdits`: the records answered are taken as published elsewhere are, not over the learner's edits.
   */
  async #run(pending: string, request: () => Promise<Response>, done: string, { besideRecords = true, keepEdits = false } = {}): Promise<void> {
    this.busy = true;
    if (pending) this.status = pending;
    try {
      const res = await request();
      const body = (await res.json()) as LearnerZone | { error: string; errors?: ZoneError[] };
      if ('records' in body) {
        if (keepEdits) this.published(body, done);
        else {
          this.#take(body.records, body.mtaSts);
          this.status = done;
        }
        return;
      }
      const errors = body.errors ?? [];
      this.errors = besideRecords ? new Map(errors.map((e) => [e.index, e.reason])) : new Map();
      const reasons = besideRecords ? '' : errors.map((e) => ` ${e.record ? `${e.record.type} ${e.record.name}: ` : ''}${e.reason}.`).join('');
      this.status = `Not saved: ${body.error}${/[.!?]$/.test(body.error) ? '' : '.'}${reasons}`;
    } catch (error) {
      this.status = `The bridge did not answer: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.busy = false;
    }
  }
}

function sameRecords(a: readonly ZoneRecord[], b: readonly ZoneRecord[]): boolean {
  return a.length === b.length && a.every((r, i) => r.type === b[i]?.type && r.name === b[i]?.name && r.value === b[i]?.value);
}
