/**
 * The learner's domain through the JSON API and the WebSocket: read, replace whole or not at all,
 * keys made on request, reset, zone-file lines; and in hosted mode each lab sees its own domain only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ZONE_BODY_BYTES, MAX_ZONE_RECORDS, type LearnerZone, type ZoneError, type ZoneRecord } from '../../core/world/learner-zone';
import { Browser, sendAs, type LabJson } from '../support/hosted-browser';
import { eventually } from './smtp-client';
import { startHostedTestBridge, startTestBridge, type HostedTestBridge, type TestBridge } from '../support/lab-process';
import { LabSocket } from '../support/ws-client';

const RECORDS = '/api/world/domains/learner.test/records';

function call(base: string, path: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, base), {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

describe('the zone API of a local lab', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge();
  });
  afterAll(() => bridge?.close());

  const get = async () => (await (await call(bridge.webUrl, RECORDS, 'GET')).json()) as LearnerZone;

  it('answers the working set: MX, A, SPF, the DKIM key, DMARC and the relay\'s PTR', async () => {
    const zone = await get();
    expect(zone.domain).toBe('learner.test');
    expect(zone.records).toEqual(
      expect.arrayContaining([
        { type: 'MX', name: 'learner.test', value: '10 mx.lab.test' },
        { type: 'TXT', name: 'learner.test', value: 'v=spf1 ip4:192.0.2.10 -all' },
        { type: 'TXT', name: 'learner._domainkey.learner.test', value: expect.stringMatching(/^v=DKIM1; k=ed25519; p=/) },
        { type: 'TXT', name: '_dmarc.learner.test', value: 'v=DMARC1; p=none; adkim=r; aspf=r' },
        { type: 'PTR', name: '10.2.0.192.in-addr.arpa', value: 'smtp.lab.test' },
      ]),
    );
  });

  it('PUT replaces the set; an invalid set is refused whole with each record and reason', async () => {
    const before = await get();
    const bad: ZoneRecord[] = [
      ...before.records,
      { type: 'TXT', name: 'learner.test', value: 'v=spf1 a mx include:lab.test include:example.test include:fallback.test a:x.learner.test a:y.learner.test mx:z.learner.test exists:q.learner.test ptr -all' },
      { type: 'TXT', name: 'sel2._domainkey.learner.test', value: 'v=DKIM1; k=rsa; p=bm90IGEga2V5' },
      { type: 'TXT', name: '_dmarc.learner.test', value: 'v=DMARC1; p=reject; colour=blue' },
      { type: 'TXT', name: 'spf.learner.test', value: 'v=spf1 sometimes -all' },
    ];
    const refused = await call(bridge.webUrl, RECORDS, 'PUT', { records: bad });
    expect(refused.status).toBe(400);
    const { errors } = (await refused.json()) as { errors: ZoneError[] };
    const reasons = errors.map((e) => `${e.index} ${e.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/2 SPF records/),
        expect.stringMatching(/does not parse as an RSA public key/),
        expect.stringMatching(/"colour" is not a DMARC tag/),
        expect.stringMatching(/"sometimes" is not an SPF mechanism/),
      ]),
    );
    expect(await get()).toEqual(before);

    const tooMany = before.records.map((r) => (r.type === 'TXT' && r.name === 'learner.test' ? { ...r, value: bad.at(-4)!.value } : r));
    const refusedLookups = await call(bridge.webUrl, RECORDS, 'PUT', { records: tooMany });
    expect(refusedLookups.status).toBe(400);
    expect(JSON.stringify(await refusedLookups.json())).toMatch(/needs 1[1-9] DNS lookups/);
    expect(await get()).toEqual(before);

    const changed = before.records.map((r) => (r.name === '_dmarc.learner.test' ? { ...r, value: 'v=DMARC1; p=reject' } : r));
    const saved = await call(bridge.webUrl, RECORDS, 'PUT', { records: changed });
    expect(saved.status).toBe(200);
    expect((await get()).records).toContainEqual({ type: 'TXT', name: '_dmarc.learner.test', value: 'v=DMARC1; p=reject' });
    // The world page reads the same: the published records, and the MX answer they give.
    const world = (await (await call(bridge.webUrl, '/api/world', 'GET')).json()) as { domains: Array<{ name: string; txt?: Array<{ name: string; text: string }>; answer: { kind: string } }> };
    const learner = world.domains.find((d) => d.name === 'learner.test');
    expect(learner?.txt).toContainEqual({ name: '_dmarc.learner.test', text: 'v=DMARC1; p=reject' });
    expect(learner?.answer.kind).toBe('mx');
  });

  it('makes DKIM keys on request (the private key never shown), resets, and round-trips zone-file lines', async () => {
    const made = await call(bridge.webUrl, '/api/world/domains/learner.test/dkim-keys', 'POST', { algorithm: 'rsa', selector: 's2048' });
    expect(made.status).toBe(201);
    const key = (await made.json()) as { record: ZoneRecord };
    expect(key.record).toMatchObject({ type: 'TXT', name: 's2048._domainkey.learner.test', value: expect.stringMatching(/^v=DKIM1; k=rsa; p=MII/) });
    expect(JSON.stringify(key)).not.toMatch(/PRIVATE/);
    const withKey = [...(await get()).records, key.record];
    expect((await call(bridge.webUrl, RECORDS, 'PUT', { records: withKey })).status).toBe(200);

    const zoneFile = await (await call(bridge.webUrl, '/api/world/domains/learner.test/zone', 'GET')).text();
    expect(zoneFile).toMatch(/^_dmarc\.learner\.test\. 300 IN TXT "v=DMARC1; p=reject"$/m);
    expect(zoneFile).toMatch(/^learner\.test\. 300 IN MX 10 mx\.lab\.test\.$/m);
    const reset = await call(bridge.webUrl, '/api/world/domains/learner.test/reset', 'POST');
    expect(((await reset.json()) as LearnerZone).records).toContainEqual({ type: 'TXT', name: '_dmarc.learner.test', value: 'v=DMARC1; p=none; adkim=r; aspf=r' });
    const imported = await call(bridge.webUrl, '/api/world/domains/learner.test/zone', 'PUT', zoneFile, { 'content-type': 'text/plain' });
    expect(imported.status).toBe(200);
    expect((await get()).records).toEqual(withKey.map((r) => (r.name === '_dmarc.learner.test' ? { ...r, value: 'v=DMARC1; p=reject' } : r)));
  });

  it('publishes an MTA-STS policy the lab world serves, refuses a bad one whole, and carries it in the zone file', async () => {
    await call(bridge.webUrl, '/api/world/domains/learner.test/reset', 'POST');
    const records = [...(await get()).records, { type: 'TXT', name: '_mta-sts.learner.test', value: 'v=STSv1; id=2026120501;' }];
    const mtaSts = { mode: 'enforce', mx: ['mx.lab.test'], maxAge: 86_400 };
    const refused = await call(bridge.webUrl, RECORDS, 'PUT', { records, mtaSts: { ...mtaSts, mode: 'always' } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: ZoneError[] }).errors).toEqual([{ index: -1, record: null, reason: expect.stringMatching(/mode "always" is not a mode/) }]);
    expect((await fetch(new URL('/api/world/mta-sts/learner.test', bridge.webUrl))).status).toBe(404);

    expect((await call(bridge.webUrl, RECORDS, 'PUT', { records, mtaSts })).status).toBe(200);
    const served = await fetch(new URL('/api/world/mta-sts/learner.test', bridge.webUrl));
    expect(await served.text()).toBe('version: STSv1\r\nmode: enforce\r\nmx: mx.lab.test\r\nmax_age: 86400\r\n');
    const zoneFile = await (await call(bridge.webUrl, '/api/world/domains/learner.test/zone', 'GET')).text();
    expect(zoneFile).toMatch(/^_mta-sts\.learner\.test\. 300 IN TXT "v=STSv1; id=2026120501;"$/m);
    expect(zoneFile).toContain(';   mode: enforce\n');
    await call(bridge.webUrl, '/api/world/domains/learner.test/reset', 'POST');
    expect((await get()).mtaSts).toBeNull();
    const imported = await call(bridge.webUrl, '/api/world/domains/learner.test/zone', 'PUT', zoneFile.replace('mode: enforce', 'mode: testing'), { 'content-type': 'text/plain' });
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as LearnerZone).mtaSts).toEqual({ ...mtaSts, mode: 'testing' });
    await call(bridge.webUrl, '/api/world/domains/learner.test/reset', 'POST');
  });

  it('trips its limits: records in a set, bytes in a body, one key made at a time', async () => {
    const many = Array.from({ length: MAX_ZONE_RECORDS + 1 }, (_, i) => ({ type: 'A', name: `h${i}.learner.test`, value: '192.0.2.91' }));
    const tooMany = await call(bridge.webUrl, RECORDS, 'PUT', { records: many });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(await tooMany.json())).toMatch(/50/);
    const huge = await call(bridge.webUrl, RECORDS, 'PUT', JSON.stringify({ records: [], pad: 'x'.repeat(MAX_ZONE_BODY_BYTES) }));
    expect(huge.status).toBe(413);
    const asks = await Promise.all([1, 2].map(() => call(bridge.webUrl, '/api/world/domains/learner.test/dkim-keys', 'POST', { algorithm: 'rsa' })));
    expect(asks.map((r) => r.status).sort()).toEqual([201, 429]);
  });

  it('refuses a write that is not JSON, and another domain', async () => {
    expect((await call(bridge.webUrl, RECORDS, 'PUT', '{"records":[]}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await call(bridge.webUrl, '/api/world/domains/example.test/records', 'GET')).status).toBe(404);
  });

  it('the WebSocket speaks the same: zone.put refused whole, then accepted', async () => {
    const socket = await LabSocket.open(bridge.webUrl);
    try {
      socket.send({ type: 'zone.get', ref: 'z1' });
      const got = await socket.next((m) => m.type === 'zone' && m.ref === 'z1');
      if (got.type !== 'zone') throw new Error('unreachable');
      socket.send({ type: 'zone.put', ref: 'z2', records: [...got.zone.records, { type: 'A', name: 'mail.example.test', value: '192.0.2.1' }] });
      const refused = await socket.next((m) => 'ref' in m && m.ref === 'z2');
      expect(refused).toMatchObject({ type: 'zone.refused', errors: [{ index: got.zone.records.length, reason: expect.stringMatching(/outside your domain/) }] });
      socket.send({ type: 'zone.put', ref: 'z3', records: [...got.zone.records, { type: 'A', name: 'mail.learner.test', value: '192.0.2.91' }] });
      expect(await socket.next((m) => 'ref' in m && m.ref === 'z3')).toMatchObject({ type: 'zone', zone: { records: expect.arrayContaining([{ type: 'A', name: 'mail.learner.test', value: '192.0.2.91' }]) } });
    } finally {
      socket.close();
    }
  });
});

describe('the zone API of hosted labs', () => {
  let bridge: HostedTestBridge;
  beforeAll(async () => {
    bridge = await startHostedTestBridge({ nodeName: 'n1', limits: { labsPerAddress: 20 } });
  });
  afterAll(() => bridge?.close());

  /** Two browsers, each with a lab of its own, and each lab's domain. */
  async function twoLabs() {
    const [ada, bob] = [new Browser(bridge), new Browser(bridge)];
    await ada.get('/');
    await bob.get('/');
    const domainOf = async (browser: Browser) => ((await browser.lab()) as unknown as { learnerDomain: string }).learnerDomain;
    return { ada, bob, adaDomain: await domainOf(ada), bobDomain: await domainOf(bob) };
  }

  it('gives each lab a domain of its own that no other lab can read or change', async () => {
    const { ada, bob, adaDomain, bobDomain } = await twoLabs();
    expect(adaDomain).toMatch(/^lab-[0-9a-f]{10}\.learner\.test$/);
    expect(bobDomain).not.toBe(adaDomain);

    const path = (domain: string) => `/api/world/domains/${domain}/records`;
    const adaZone = await ada.json<LearnerZone>(path(adaDomain));
    expect(adaZone.records).toContainEqual({ type: 'TXT', name: `_dmarc.${adaDomain}`, value: expect.stringMatching(/^v=DMARC1/) });
    // Bob asks for Ada's domain, and tries to replace it: not found, and nothing changes.
    expect((await bob.get(path(adaDomain))).status).toBe(404);
    const put = await fetch(new URL(path(adaDomain), bridge.webUrl), {
      method: 'PUT',
      headers: { cookie: bob.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ records: adaZone.records.map((r) => (r.name === `_dmarc.${adaDomain}` ? { ...r, value: 'v=DMARC1; p=reject' } : r)) }),
    });
    expect(put.status).toBe(404);
    expect(await ada.json<LearnerZone>(path(adaDomain))).toEqual(adaZone);
    // Bob's own records name his domain only.
    const bobZone = await bob.json<LearnerZone>(path(bobDomain));
    expect(bobZone.records.every((r) => r.type === 'PTR' || r.name.endsWith(bobDomain))).toBe(true);
  });

  it("tells every open page of a lab the moment its zone changes (API PUT, WebSocket, reset), and no page of another lab", async () => {
    const { ada, bob, adaDomain, bobDomain } = await twoLabs();
    const pages = [await ada.socket(), await ada.socket()];
    const bobPage = await bob.socket();
    try {
      await Promise.all([...pages, bobPage].map((p) => p.welcome()));
      const dmarcIs = (zone: LearnerZone, value: string) => zone.records.some((r) => r.name === `_dmarc.${adaDomain}` && r.value === value);
      const heard = (value: string) =>
        pages.map((p) =>
          Promise.all([
            p.next((m) => m.type === 'zone.changed' && m.zone.domain === adaDomain && dmarcIs(m.zone, value)),
            // The world page's domain card reads the world description: it changes with the zone.
            p.next((m) => m.type === 'world.changed' && !!m.world.domains.find((d) => d.name === adaDomain)?.txt?.some((t) => t.text === value)),
          ]),
        );
      const zone = await ada.json<LearnerZone>(`/api/world/domains/${adaDomain}/records`);
      const withDmarc = (value: string) => zone.records.map((r) => (r.name === `_dmarc.${adaDomain}` ? { ...r, value } : r));

      // Through the JSON API: both of Ada's pages hear it.
      let waits = heard('v=DMARC1; p=reject');
      const put = await fetch(new URL(`/api/world/domains/${adaDomain}/records`, bridge.webUrl), {
        method: 'PUT',
        headers: { cookie: ada.cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ records: withDmarc('v=DMARC1; p=reject') }),
      });
      expect(put.status).toBe(200);
      await Promise.all(waits);

      // Through one page's WebSocket: the other page hears it too.
      waits = heard('v=DMARC1; p=quarantine');
      pages[0]!.send({ type: 'zone.put', ref: 'q', records: withDmarc('v=DMARC1; p=quarantine') });
      await Promise.all(waits);

      // A reset, through the API and through the WebSocket: back to the working set on every page.
      const working = zone.records.find((r) => r.name === `_dmarc.${adaDomain}`)!.value;
      waits = heard(working);
      expect((await fetch(new URL(`/api/world/domains/${adaDomain}/reset`, bridge.webUrl), { method: 'POST', headers: { cookie: ada.cookie } })).status).toBe(200);
      await Promise.all(waits);
      pages[1]!.send({ type: 'zone.put', ref: 'q2', records: withDmarc('v=DMARC1; p=quarantine') });
      await Promise.all(heard('v=DMARC1; p=quarantine'));
      waits = heard(working);
      pages[1]!.send({ type: 'zone.reset', ref: 'r' });
      await Promise.all(waits);

      // Bob's own change reaches his page; none of Ada's ever did, and his never reaches hers.
      bobPage.send({ type: 'zone.reset', ref: 'b' });
      await bobPage.next((m) => m.type === 'zone.changed' && m.zone.domain === bobDomain);
      expect(bobPage.received.filter((m) => m.type === 'zone.changed').map((m) => m.type === 'zone.changed' && m.zone.domain)).toEqual([bobDomain]);
      expect(JSON.stringify(bobPage.received)).not.toContain(adaDomain);
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const page of pages) expect(page.received.some((m) => m.type === 'zone.changed' && m.zone.domain !== adaDomain)).toBe(false);
    } finally {
      for (const page of [...pages, bobPage]) page.close();
    }
  });

  it("signs a lab's mail with its own domain's key only: Ada's domain sent through Bob's lab is not Ada's to vouch for", async () => {
    const caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
    const ada = new Browser(bridge);
    const bob = new Browser(bridge);
    await ada.get('/');
    await bob.get('/');
    const adaLab = (await ada.lab()) as unknown as LabJson & { learnerDomain: string };
    const bobLab = await bob.lab();
    await sendAs(bridge, adaLab.credentials, 'From my own domain', caPem, { from: `me@${adaLab.learnerDomain}`, to: 'alice@example.test' });
    await sendAs(bridge, bobLab.credentials, "From someone else's domain", caPem, { from: `me@${adaLab.learnerDomain}`, to: 'alice@example.test' });
    const headersIn = async (browser: Browser, subject: string) => {
      let found = '';
      await eventually(async () => {
        const list = await browser.json<Array<{ id: string; subject: string; mailbox: string | null }>>('/api/messages');
        const copy = list.find((m) => m.subject === subject && m.mailbox === 'alice@example.test');
        if (!copy) return false;
        found = (await (await browser.get(`/api/messages/${copy.id}/raw`)).text()).split('\r\n\r\n')[0] ?? '';
        return true;
      }, 15_000);
      return found;
    };
    expect(await headersIn(ada, 'From my own domain')).toMatch(new RegExp(`dkim=pass header\\.i=@${adaLab.learnerDomain.replaceAll('.', '\\.')}`));
    const forged = await headersIn(bob, "From someone else's domain");
    expect(forged).not.toMatch(/dkim=pass/);
    expect(forged).not.toMatch(/^DKIM-Signature:/m);
  });
});
