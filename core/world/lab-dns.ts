/**
 * The lab's DNS, answered from the world definition: MX, A and TXT records of the lab domains. A
 * name the lab does not know is "outside". The answer already lists the hosts to try, in the order
 * RFC 5321 §5.1 prescribes, so the relay and the journey view read the same thing.
 */
import { inZone, reverseName, type LearnerZone } from './learner-zone';
import type { MxRecord, TxtRecord, WorldDefinition } from './world-types';

/**
 * mx: ordinary MX records; implicit: no MX, so the domain's own A record stands in (preference 0);
 * null-mx: the domain declares it takes no mail (RFC 7505); outside: not a lab domain.
 */
export type MxAnswerKind = 'mx' | 'implicit' | 'null-mx' | 'outside';

export interface MxCandidate {
  /** Host name to connect to. */
  exchange: string;
  preference: number;
  /** Its A record, or null when the lab has none (the relay treats it as unreachable). */
  address: string | null;
}

export interface MxAnswer {
  domain: string;
  kind: MxAnswerKind;
  /** The MX records exactly as published (empty for implicit and outside). */
  records: MxRecord[];
  /** Hosts to try, most preferred first. Empty for null MX and outside. */
  candidates: MxCandidate[];
}

export class LabDns {
  readonly #world: WorldDefinition;
  /** The learner's own zone: names in it are answered from its records alone. */
  #zone: LearnerZone | null;

  constructor(world: WorldDefinition, zone: LearnerZone | null = null) {
    this.#world = world;
    this.#zone = zone;
  }

  /** The learner published a new set of records: answers from now on read it. */
  useZone(zone: LearnerZone | null): void {
    this.#zone = zone;
  }

  /** The learner's records of one type at a name, or null when the name is not the learner's. */
  #zoneRecords(name: string, type: 'A' | 'MX' | 'TXT' | 'PTR'): string[] | null {
    const zone = this.#zone;
    if (!zone) return null;
    const key = normalise(name);
    const owned = inZone(zone.domain, key) || zone.records.some((r) => r.type === 'PTR' && normalise(r.name) === key);
    if (!owned) return null;
    return zone.records.filter((r) => r.type === type && normalise(r.name) === key).map((r) => r.value);
  }

  /** A records of a host or domain name (lower case, no trailing dot). */
  resolveA(name: string): string[] {
    const key = normalise(name);
    const zoned = this.#zoneRecords(key, 'A');
    if (zoned) return zoned;
    const hostEntry = this.#world.hosts.find((h) => h.name === key);
    if (hostEntry) return [hostEntry.address];
    // The relay is a host too: SPF's `a` and a receiver checking its HELO name look it up.
    if (key === this.#world.relay.name) return [this.#world.relay.address];
    return [...(this.#world.domains.find((d) => d.name === key)?.a ?? [])];
  }

  resolveMx(domainName: string): MxAnswer {
    const domain = normalise(domainName);
    const zoned = this.#zoneRecords(domain, 'MX');
    const entry = this.#world.domains.find((d) => d.name === domain);
    if (!entry && !zoned) return { domain, kind: 'outside', records: [], candidates: [] };
    const records = zoned ? zoned.map(parseMx) : (entry?.mx ?? []).map((record) => ({ ...record }));
    if (records.some(isNullMx)) return { domain, kind: 'null-mx', records, candidates: [] };
    if (records.length === 0) {
      const address = this.resolveA(domain)[0] ?? null;
      return { domain, kind: 'implicit', records, candidates: [{ exchange: domain, preference: 0, address }] };
    }
    // Lowest preference first; sort is stable, so equal preferences keep the published order.
    const candidates = [...records]
      .sort((a, b) => a.preference - b.preference)
      .map((record) => ({ exchange: record.exchange, preference: record.preference, address: this.resolveA(record.exchange)[0] ?? null }));
    return { domain, kind: 'mx', records, candidates };
  }

  /**
   * TXT records at a name. Every mail host (and the relay) without a record of its own answers
   * `v=spf1 a -all` for its HELO name, as RFC 7208 §2.3 recommends, so a bounce sent with an empty
   * MAIL FROM (checked against the HELO name) can pass SPF.
   */
  resolveTxt(name: string): string[] {
    const key = normalise(name);
    const zoned = this.#zoneRecords(key, 'TXT');
    if (zoned) return zoned;
    const published = this.#world.domains.flatMap((d) => d.txt ?? []).filter((r) => normalise(r.name) === key);
    if (published.length) return published.map((r) => r.text);
    const isHost = this.#world.hosts.some((h) => h.name === key) || key === this.#world.relay.name;
    return isHost ? ['v=spf1 a -all'] : [];
  }

  /**
   * PTR records of a reverse name (`10.2.0.192.in-addr.arpa`): the learner's own, else the lab
   * host (or relay) with that address, as its provider would publish it.
   */
  resolvePtr(name: string): string[] {
    const key = normalise(name);
    const zoned = this.#zoneRecords(key, 'PTR');
    if (zoned) return zoned;
    const named = [...this.#world.hosts, this.#world.relay].find((h) => reverseName(h.address) === key);
    return named ? [named.name] : [];
  }

  /** Whether the name exists in the lab at all (a domain, a host, or the owner of a record). */
  knows(name: string): boolean {
    const key = normalise(name);
    const zone = this.#zone;
    if (zone && inZone(zone.domain, key)) return key === zone.domain || zone.records.some((r) => normalise(r.name) === key);
    return this.resolveA(key).length > 0 || this.resolveTxt(key).length > 0 || this.#world.domains.some((d) => d.name === key);
  }
}

/** A copy of the world with one more TXT record at `domain` (e.g. a DKIM key made at start). */
export function withTxtRecord(world: WorldDefinition, domain: string, record: TxtRecord): WorldDefinition {
  return { ...world, domains: world.domains.map((d) => (d.name === domain ? { ...d, txt: [...(d.txt ?? []), record] } : d)) };
}

/** "10 mx.lab.test" as an MX record (the zone's checks made sure it reads). */
function parseMx(value: string): MxRecord {
  const [preference, exchange] = value.trim().split(/\s+/);
  return { preference: Number(preference), exchange: normalise(exchange ?? '') };
}

export function isNullMx(record: MxRecord): boolean {
  return record.exchange === '.' || record.exchange === '';
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** The domain part of an address, lower case ('' when there is none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : normalise(address.slice(at + 1));
}

/** The local part of an address, lower case. */
export function localPartOf(address: string): string {
  const at = address.lastIndexOf('@');
  return (at === -1 ? address : address.slice(0, at)).toLowerCase();
}
