/** The world as `GET /api/world` and the world page show it: the definition plus what DNS answers. */
import { LabDns } from './lab-dns';
import { MAGIC_LOCAL_PARTS } from './world-definition';
import type { WorldDescription } from './world-events';
import type { WorldDefinition } from './world-types';
import { reverseName, type LearnerZone } from './learner-zone';

/** `zone`: the learner's records as published now, shown as its domain's MX answer and TXT records. */
export function describeWorld(definition: WorldDefinition, timing: WorldDescription['timing'], zone: LearnerZone | null = null): WorldDescription {
  const dns = new LabDns(definition, zone);
  const zoneTxt = (name: string) => (zone?.domain === name ? { txt: zone.records.filter((r) => r.type === 'TXT').map((r) => ({ name: r.name, text: r.value })) } : {});
  return {
    // What a receiver finds at the address's reverse name: the name a strict host wants after EHLO.
    relay: { ...definition.relay, ptr: dns.resolvePtr(reverseName(definition.relay.address)) },
    domains: definition.domains.map((domain) => ({ ...domain, ...zoneTxt(domain.name), answer: dns.resolveMx(domain.name) })),
    hosts: definition.hosts.map((host) => ({ ...host, ptr: dns.resolvePtr(reverseName(host.address)) })),
    magicLocalParts: { ...MAGIC_LOCAL_PARTS },
    timing: { ...timing },
    outside: 'Mail for a domain the lab does not know is kept in an outside mailbox and never leaves this machine.',
  };
}
