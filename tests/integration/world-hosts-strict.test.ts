/**
 * mx.strict.test, the world host that is strict about EHLO and HELO, over real SMTP: a name that
 * is not fully qualified gets 504 5.5.2, an address whose PTR name does not lead back to it gets
 * 450 4.7.25, a name other than that PTR name gets 550 5.7.1; the PTR name itself is taken and
 * so is the mail. The lab DNS answers the PTR records the check reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabDns } from '../../core/world/lab-dns';
import { reverseName } from '../../core/world/learner-zone';
import { textOf, RawClient } from './smtp-client';
import { startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

async function dial(client?: { name: string; address: string }): Promise<RawClient> {
  const connection = RawClient.over(await lab.world.openHost('mx.strict.test', client));
  expect((await connection.reply()).code).toBe(220);
  return connection;
}

describe('the lab DNS answers PTR records', () => {
  it('for the relay and every host, and nothing for an address no one has', () => {
    const dns = new LabDns(lab.world.definition);
    expect(dns.resolvePtr(reverseName('192.0.2.10'))).toEqual(['smtp.lab.test']);
    expect(dns.resolvePtr('161.2.0.192.in-addr.arpa')).toEqual(['mx.strict.test']);
    expect(dns.resolvePtr(reverseName('192.0.2.99'))).toEqual([]);
  });
});

describe('mx.strict.test: a strict HELO', () => {
  it('is in the world', () => {
    expect(lab.world.definition.hosts.find((h) => h.name === 'mx.strict.test')).toMatchObject({ strictHelo: true, address: '192.0.2.161' });
    expect(lab.world.describe().hosts.map((h) => h.name)).toContain('mx.strict.test');
  });

  it('refuses EHLO localhost with 504 5.5.2, and the session stays without an EHLO', async () => {
    const client = await dial();
    const refused = await client.command('EHLO localhost');
    expect([refused.code, refused.enhanced]).toEqual([504, '5.5.2']);
    expect(textOf(refused)).toMatch(/need fully-qualified hostname/);
    expect((await client.command('HELO monitor')).code).toBe(504);
    expect((await client.command('MAIL FROM:<monitor@lab.test>')).code).toBe(503);
    client.close();
  });

  it('refuses a fully-qualified name that is not the PTR name of the address, naming the PTR name', async () => {
    const client = await dial();
    const refused = await client.command('EHLO monitor.lab.test');
    expect([refused.code, refused.enhanced]).toEqual([550, '5.7.1']);
    expect(textOf(refused)).toMatch(/192\.0\.2\.10 is smtp\.lab\.test/);
    client.close();
  });

  it('refuses an address without a PTR name that leads back to it with 450 4.7.25', async () => {
    const client = await dial({ name: 'stranger.test', address: '192.0.2.99' });
    const refused = await client.command('EHLO stranger.test');
    expect([refused.code, refused.enhanced]).toEqual([450, '4.7.25']);
    client.close();
  });

  it('takes the PTR name, in any case, and the mail', async () => {
    const client = await dial();
    await client.command('EHLO localhost');
    const taken = await client.command('EHLO SMTP.lab.test');
    expect(taken.code).toBe(250);
    expect((await client.command('MAIL FROM:<monitor@lab.test>')).code).toBe(250);
    expect((await client.command('RCPT TO:<ops@strict.test>')).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    const done = await client.command('Subject: disk check\r\n\r\nAll fine.\r\n.');
    expect(done.code).toBe(250);
    expect(lab.world.mailbox('ops@strict.test')).toHaveLength(1);
    client.close();
  });

  it('takes the relay, which greets with its own name', async () => {
    const queueId = await lab.submit({ to: ['ops@strict.test'], subject: 'Through the relay' });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toContain('delivered');
  });
});
