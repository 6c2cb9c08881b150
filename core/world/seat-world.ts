/**
 * The learner's own domain in the mail world, for "Be the server": mail for you.test goes, by its
 * MX record, to mx.you.test, and that host is the learner typing replies. The lab's relay reaches
 * it like any other host, with its queue, its retries and its bounces.
 */
import type { DomainDefinition, HostDefinition, WorldDefinition } from './world-types';

export const SEAT_DOMAIN = 'you.test';
export const SEAT_HOST = 'mx.you.test';

export const SEAT_DOMAIN_DEFINITION: DomainDefinition = {
  name: SEAT_DOMAIN,
  role: 'Your own domain: its MX is the server whose replies you type in Be the server',
  mx: [{ preference: 10, exchange: SEAT_HOST }],
  a: ['192.0.2.90'],
  users: 'any',
  magicLocalParts: false,
  greylistAll: false,
};

export const SEAT_HOST_DEFINITION: HostDefinition = {
  name: SEAT_HOST,
  address: '192.0.2.91',
  up: true,
  starttls: 'offered',
  behaviour: 'You: every reply this host gives is one you type in Be the server (no reply while it is closed: the relay retries later)',
};

/** The world with the learner's domain and host added (once). */
export function withSeat(world: WorldDefinition): WorldDefinition {
  if (world.domains.some((d) => d.name === SEAT_DOMAIN)) return world;
  return { ...world, domains: [...world.domains, SEAT_DOMAIN_DEFINITION], hosts: [...world.hosts, SEAT_HOST_DEFINITION] };
}
