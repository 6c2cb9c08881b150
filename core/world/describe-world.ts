/** The world as `GET /api/world` and the world page show it: the definition plus what DNS answers. */
import { LabDns } from './lab-dns';
import { MAGIC_LOCAL_PARTS } from './world-definition';
import type { WorldDescription } from './world-events';
import type { WorldDefinition } from './world-types';

export function describeWorld(definition: WorldDefinition, timing: WorldDescription['timing']): WorldDescription {
  const dns = new LabDns(definition);
  return {
    relay: { ...definition.relay },
    domains: definition.domains.map((domain) => ({ ...domain, answer: dns.resolveMx(domain.name) })),
    hosts: definition.hosts.map((host) => ({ ...host })),
    magicLocalParts: { ...MAGIC_LOCAL_PARTS },
    timing: { ...timing },
    outside: 'Mail for a domain the lab does not know is kept in an outside mailbox and never leaves this machine.',
  };
}
