import { describe, expect, it } from 'vitest';
import { LAB_WORLD } from './world-definition';

/** The lab DNS answers one PTR name per address, and a host's address is how the hosts tell callers apart. */
describe('the lab world', () => {
  it('gives every host, the relay and every middlebox an address of its own', () => {
    const owners = new Map<string, string[]>();
    const claim = (address: string, name: string) => owners.set(address, [...(owners.get(address) ?? []), name]);
    claim(LAB_WORLD.relay.address, LAB_WORLD.relay.name);
    for (const host of LAB_WORLD.hosts) claim(host.address, host.name);
    const boxes = new Map(LAB_WORLD.hosts.flatMap((host) => (host.onPath ? [[host.onPath.name, host.onPath.address] as const] : [])));
    for (const [name, address] of boxes) claim(address, name);
    expect([...owners].filter(([, names]) => names.length > 1)).toEqual([]);
  });

  it('names each domain and each host once', () => {
    const names = [...LAB_WORLD.domains.map((d) => `domain ${d.name}`), ...LAB_WORLD.hosts.map((h) => `host ${h.name}`)];
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });
});
