/**
 * Past one machine (docs/deploy.md): two hosted bridges behind Debian's nginx on loopback, routed
 * by the lab cookie's node prefix. A lab must stick to the bridge that holds it across reloads and
 * on its WebSocket, and new browsers must reach both bridges.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAppBuilt } from '../../bridge/app-build';
import { findNginx, spawnBridge, startNginx, stickyLabHttp, type BridgeProcess, type RunningNginx } from '../support/deploy';
import type { LabInfo } from '../../core/protocol/messages';
import { LabSocket } from '../support/ws-client';

const NODES = ['a', 'b'] as const;
/** The name learners reach the lab under, as docs/deploy.md passes it with --allowed-host. */
const PUBLIC_NAME = 'lab.example.org';
type NodeName = (typeof NODES)[number];

/** What GET /api/lab answers in hosted mode. */
type ApiLab = LabInfo & { id: string; node: string | null };

interface Reply {
  status: number;
  /** X-Lab-Node: which bridge answered. */
  node: string | null;
  /** The smtplab_lab Set-Cookie, if the reply set one. */
  setCookie: { value: string; attributes: string } | null;
  contentType: string;
  body: string;
}

let nginx: RunningNginx | undefined;
const bridges = new Map<NodeName, BridgeProcess>();

beforeAll(async () => {
  const found = findNginx();
  if ('missing' in found) throw new Error(found.missing);
  await ensureAppBuilt();
  const started = await Promise.allSettled(NODES.map((name) => spawnBridge(['--hosted', '--node-name', name, '--trust-proxy', '--allowed-host', PUBLIC_NAME])));
  started.forEach((result, i) => {
    if (result.status === 'fulfilled') bridges.set(NODES[i]!, result.value);
  });
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  nginx = await startNginx(found, (listen) => stickyLabHttp(NODES.map((name) => ({ name, web: bridges.get(name)!.web })), listen));
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all([...bridges.values()].map((bridge) => bridge.stop()));
});

/** One request through nginx, as a browser with (or without) its lab cookie would make it. */
async function get(path: string, cookie?: string): Promise<Reply> {
  const response = await fetch(`${nginx!.url}${path}`, { headers: cookie ? { cookie: `smtplab_lab=${cookie}` } : {}, redirect: 'manual' });
  const raw = response.headers.getSetCookie().find((line) => line.startsWith('smtplab_lab='));
  let setCookie: Reply['setCookie'] = null;
  if (raw) {
    const [pair = '', ...attributes] = raw.split(';');
    setCookie = { value: pair.slice('smtplab_lab='.length), attributes: attributes.join(';') };
  }
  return {
    status: response.status,
    node: response.headers.get('x-lab-node'),
    setCookie,
    contentType: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
}

/** A request through nginx under another Host name, as a browser that was sent there would make it. */
function statusAs(path: string, host: string): Promise<number> {
  const url = new URL(path, nginx!.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function labInfo(cookie: string): Promise<ApiLab & { answeredBy: string | null }> {
  const reply = await get('/api/lab', cookie);
  expect(reply.status, reply.body).toBe(200);
  return { ...(JSON.parse(reply.body) as ApiLab), answeredBy: reply.node };
}

function bridge(name: string): BridgeProcess {
  const found = bridges.get(name as NodeName);
  if (!found) throw new Error(`no bridge named ${name}`);
  return found;
}

describe('two hosted bridges behind nginx', () => {
  it('serves the public name it was given and refuses any other (DNS rebinding)', async () => {
    expect(await statusAs('/api/ca.pem', PUBLIC_NAME)).toBe(200);
    expect(await statusAs('/healthz', PUBLIC_NAME)).toBe(200);
    expect(await statusAs('/', 'rebound.example')).toBe(421);
    expect(await statusAs('/api/lab', 'rebound.example')).toBe(421);
  });

  let cookie = '';
  let node = '';
  let lab: (ApiLab & { answeredBy: string | null }) | undefined;
  const freshCookies = new Map<string, string>();

  it('gives a new browser a lab cookie from one of the bridges', async () => {
    const page = await get('/');
    expect(page.status, page.body).toBe(200);
    expect(page.contentType).toMatch(/text\/html/);
    expect(page.node).toMatch(/^[ab]$/);
    expect(page.setCookie, 'the first page load sets the lab cookie').not.toBeNull();
    expect(page.setCookie!.value.startsWith(`${page.node}-`)).toBe(true);
    expect(page.setCookie!.attributes).toMatch(/HttpOnly/i);
    expect(page.setCookie!.attributes).toMatch(/SameSite=Strict/i);
    expect(page.setCookie!.attributes).toMatch(/Path=\//i);
    cookie = page.setCookie!.value;
    node = page.node!;
  });

  it('keeps that lab on the same bridge across reloads', async () => {
    lab = await labInfo(cookie);
    expect(lab.id).toBe(cookie);
    expect(lab.node).toBe(node);
    expect(lab.answeredBy).toBe(node);
    // The lab's SMTP ports are the ones its own bridge listens on.
    expect(lab.smtp.port).toBe(bridge(node).smtp.port);
    expect(lab.smtps.port).toBe(bridge(node).smtps.port);
    expect(lab.credentials.user).toBeTruthy();
    expect(lab.credentials.pass).toBeTruthy();
    for (let reload = 0; reload < 6; reload++) {
      const page = await get('/', cookie);
      expect(page.status).toBe(200);
      expect(page.node).toBe(node);
      // A valid cookie is kept: no new lab on reload.
      if (page.setCookie) expect(page.setCookie.value).toBe(cookie);
      const again = await labInfo(cookie);
      expect(again.answeredBy).toBe(node);
      expect({ id: again.id, node: again.node, credentials: again.credentials }).toEqual({ id: lab.id, node: lab.node, credentials: lab.credentials });
    }
  });

  it('joins the same lab over the WebSocket through nginx', async () => {
    const socket = await LabSocket.open(nginx!.url, { cookie: `smtplab_lab=${cookie}`, origin: nginx!.url });
    try {
      const { lab: joined } = await socket.welcome();
      expect(joined.credentials).toEqual(lab!.credentials);
      expect(joined.smtp.port).toBe(bridge(node).smtp.port);
    } finally {
      socket.socket.close();
    }
  });

  it('spreads new browsers over both bridges', async () => {
    for (let attempt = 0; attempt < 8 && freshCookies.size < NODES.length; attempt++) {
      const page = await get('/');
      expect(page.status).toBe(200);
      expect(page.setCookie).not.toBeNull();
      expect(page.setCookie!.value.startsWith(`${page.node}-`)).toBe(true);
      freshCookies.set(page.node!, page.setCookie!.value);
    }
    expect([...freshCookies.keys()].sort()).toEqual([...NODES]);
  });

  it('serves a lab of bridge b only from b', async () => {
    const bCookie = freshCookies.get('b')!;
    const first = await labInfo(bCookie);
    expect(first).toMatchObject({ id: bCookie, node: 'b', answeredBy: 'b' });
    expect(first.smtp.port).toBe(bridge('b').smtp.port);
    for (let reload = 0; reload < 4; reload++) {
      const page = await get('/', bCookie);
      expect(page.node).toBe('b');
      const again = await labInfo(bCookie);
      expect(again).toMatchObject({ id: bCookie, node: 'b', answeredBy: 'b', credentials: first.credentials });
    }
    // Two labs, two bridges: nothing shared.
    expect(first.credentials).not.toEqual(lab!.credentials);
  });

  it('sends a cookie its bridge no longer knows to that bridge, which opens a new lab there', async () => {
    const stale = 'b-nolongerknown0000000000';
    const page = await get('/', stale);
    expect(page.status).toBe(200);
    expect(page.node).toBe('b');
    expect(page.setCookie).not.toBeNull();
    expect(page.setCookie!.value).not.toBe(stale);
    expect(page.setCookie!.value.startsWith('b-')).toBe(true);
  });

  it('sends the labs of a bridge that went away to another, which opens a new lab', async () => {
    await bridge('b').stop();
    const page = await get('/', freshCookies.get('b')!);
    expect(page.status).toBe(200);
    expect(page.node).toBe('a');
    expect(page.setCookie?.value.startsWith('a-')).toBe(true);
    // Labs of the bridge still running are untouched.
    const still = await labInfo(freshCookies.get('a')!);
    expect(still).toMatchObject({ id: freshCookies.get('a'), answeredBy: 'a' });
  });
});
