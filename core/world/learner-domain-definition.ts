/**
 * The learner's domain as a domain of the world: mail for it goes to the provider's MX (so the
 * bounce of a refused message comes home), and every user name has a mailbox. Its DNS records
 * are not here: they are the learner's zone (learner-zone.ts), which the lab DNS reads first.
 */
import { LEARNER_DOMAIN_ADDRESS, type ZoneSetting } from './learner-zone';
import type { WorldDefinition } from './world-types';

export function learnerDomainDefinition(world: WorldDefinition, domain: string): { world: WorldDefinition; domain: string; setting: ZoneSetting } {
  const provider = world.domains.find((d) => d.name === world.relay.domain);
  const mx = provider?.mx[0]?.exchange ?? world.relay.name;
  const setting: ZoneSetting = { relay: { name: world.relay.name, address: world.relay.address }, mx };
  if (world.domains.some((d) => d.name === domain)) return { world, domain, setting };
  return {
    domain,
    setting,
    world: {
      ...world,
      domains: [
        ...world.domains,
        {
          name: domain,
          role: 'Your own domain: its records are yours to edit, break and fix in the zone editor on this page',
          mx: [{ preference: 10, exchange: mx }],
          a: [LEARNER_DOMAIN_ADDRESS],
          users: 'any',
          magicLocalParts: false,
          greylistAll: false,
        },
      ],
    },
  };
}
