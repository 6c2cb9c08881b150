/**
 * Forwarding and ARC over real SMTP: forward.test's alias re-sends with the author's MAIL FROM, so
 * SPF fails at mx.example.test while DKIM survives; its list tags the subject and adds a footer, so
 * DKIM's body hash breaks and DMARC fails. Both are sealed with ARC by forward.test, and
 * mx.example.test, which trusts that sealer, verifies the chain and reads the first verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientLines, serverLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

const headersOf = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0]!;
const authAt = (host: string) => lab.events.filter((e) => e.type === 'auth' && e.host === host).at(-1);

describe('forwarding and ARC in the lab world', () => {
  it('publishes forward.test, its alias, its list, its ARC key, and the sealer mx.example.test trusts', () => {
    const world = lab.world.describe();
    const forward = world.domains.find((d) => d.name === 'forward.test');
    expect(forward?.forwarding?.aliases).toEqual([{ address: 'bob@forward.test', to: 'bob@example.test' }]);
    expect(forward?.forwarding?.lists[0]).toMatchObject({ address: 'team@forward.test', members: ['carol@example.test'], subjectTag: '[team]' });
    expect(forward?.txt?.find((r) => r.name === 'arc._domainkey.forward.test')?.text).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(world.hosts.find((h) => h.name === 'mx.example.test')?.trustedArcSealers).toEqual(['forward.test']);
  });

  it('the alias forwards from mx.forward.test with the MAIL FROM kept: SPF fails, DKIM and DMARC pass', async () => {
    const queueId = await lab.submit({ from: 'learner@lab.test', to: ['bob@forward.test'], subject: 'Via the alias' });
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered', host: 'mx.forward.test' }]);
    // The first hop: from the lab's relay, so mx.forward.test found everything in order.
    expect(authAt('mx.forward.test')).toMatchObject({ spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    const copy = lab.world.mailbox('bob@example.test').at(-1);
    expect(copy?.raw.toString()).toContain('Subject: Via the alias');
    const headers = headersOf(copy!.raw);
    expect(headers).toMatch(/^Return-Path: <learner@lab\.test>/);
    expect(headers).toMatch(/spf=fail \(mx\.example\.test: domain of learner@lab\.test does not designate 192\.0\.2\.171 as permitted sender\)/);
    expect(headers).toMatch(/dkim=pass header\.i=@lab\.test/);
    expect(headers).toMatch(/dmarc=pass/);
    expect(authAt('mx.example.test')).toMatchObject({ spf: 'fail', dkim: 'pass', dmarc: 'pass', verdict: 'accepted', arc: { result: 'pass', sealer: 'forward.test', instance: 1 } });
    // The second hop is the forwarder's own transaction, with the author's envelope sender.
    const forwarded = lab.eventsOf('relay.hop').filter((e) => e.host === 'mx.example.test').at(-1);
    const hop = forwarded && [...lab.hops.values()].find((h) => h.hop.queueId === forwarded.queueId);
    expect(hop?.hop.client).toEqual({ name: 'mx.forward.test', address: '192.0.2.171' });
    expect(clientLines(hop!)).toContain('MAIL FROM:<learner@lab.test>');
  });

  it('the list tags the subject and adds a footer: DKIM no longer verifies (body hash) and DMARC fails, yet the trusted ARC chain carries the first verdict', async () => {
    const queueId = await lab.submit({ from: 'learner@lab.test', to: ['team@forward.test'], subject: 'Meeting', text: 'See you at ten.\n' });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['delivered']);
    const copy = lab.world.mailbox('carol@example.test').at(-1);
    const text = copy!.raw.toString();
    expect(text).toContain('Subject: [team] Meeting');
    expect(text).toMatch(/See you at ten\.\r\n-- \r\nYou are on the team list/);
    const headers = headersOf(copy!.raw);
    expect(headers).toMatch(/^Return-Path: <team-owner@forward\.test>/);
    expect(headers).toMatch(/dkim=neutral \(body hash did not verify\) header\.i=@lab\.test/);
    // SPF passes for the list's own bounce domain, which is not aligned with From: lab.test.
    expect(headers).toMatch(/spf=pass \(mx\.example\.test: domain of team-owner@forward\.test designates 192\.0\.2\.171/);
    expect(headers).toMatch(/dmarc=fail \(p=REJECT arc=pass\) header\.from=lab\.test/);
    expect(headers).toMatch(/arc=pass \(i=1 spf=pass dkim=pass dkdomain=lab\.test dmarc=pass fromdomain=lab\.test\)/);
    expect(headers).toMatch(/^ARC-Seal: i=1; a=rsa-sha256; t=\d+; cv=none; d=forward\.test; s=arc;/m);
    expect(headers).toMatch(/^ARC-Authentication-Results: i=1; mx\.forward\.test;/m);
    expect(headers).toContain('X-Lab-Arc-Override: DMARC of lab.test failed; delivered because forward.test, a trusted ARC sealer, found dmarc=pass (i=1)');
    expect(authAt('mx.example.test')).toMatchObject({
      spf: 'pass',
      // mailauth writes a body hash that does not match as neutral (RFC 8601 §2.7.1): not a pass, which is all DMARC asks.
      dkim: 'neutral',
      dmarc: 'fail',
      policy: 'reject',
      verdict: 'accepted',
      arc: { result: 'pass', sealer: 'forward.test', trusted: true, overrode: true, carried: { mta: 'mx.forward.test', spf: 'pass', dkim: 'pass', dmarc: 'pass' } },
    });
  });

  it('without trust in the sealer, the same list mail meets lab.test\'s p=reject: refused with 550 5.7.26, bounced to the list owner', async () => {
    lab.world.redefine({ domains: [], hosts: [{ name: 'mx.example.test', trustedArcSealers: [], behaviour: 'Trusts no ARC sealer' }] });
    try {
      await lab.submit({ from: 'learner@lab.test', to: ['team@forward.test'], subject: 'Untrusted' });
      const refused = lab.eventsOf('recipient').filter((e) => e.recipient === 'carol@example.test').at(-1);
      expect(refused).toMatchObject({ outcome: 'failed', status: '5.7.26', host: 'mx.example.test' });
      expect(authAt('mx.example.test')).toMatchObject({ dmarc: 'fail', verdict: 'rejected', arc: { result: 'pass', trusted: false, overrode: false } });
      expect(lab.world.mailbox('team-owner@forward.test').at(-1)?.raw.toString()).toContain('5.7.26');
      const hop = lab.hopsOf(refused!.queueId).at(-1);
      expect(serverLines(hop!)).toContain('550 5.7.26 Rejected by the DMARC policy of lab.test: it did not send this message');
    } finally {
      lab.world.redefine(null);
    }
  });

  it('a chain whose message changed after the seal fails ARC, and overrides nothing', async () => {
    const sealed = lab.world.mailbox('carol@example.test').find((m) => m.raw.includes('Subject: [team] Meeting'));
    // What arrived at carol's, from the ARC set down, with one word of the body changed on the way.
    const text = sealed!.raw.toString();
    const tampered = text.slice(text.indexOf('ARC-Seal:')).replace('See you at ten.', 'See you at six.');
    await lab.submit({ from: 'team-owner@forward.test', to: ['alice@example.test'], raw: tampered });
    expect(authAt('mx.example.test')).toMatchObject({ arc: { result: 'fail', overrode: false } });
  });
});
