/**
 * The tamper-in-transit switch through the JSON API and the WebSocket: set per host, shown by
 * `GET /api/world`, refused with a reason when the mode or host is unknown; and in hosted mode
 * one lab's switch never reaches another lab's world.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorldDescription } from '../../core/world/world-events';
import { Browser } from '../support/hosted-browser';
import { startHostedTestBridge, startTestBridge, type HostedTestBridge, type TestBridge } from '../support/lab-process';
import { LabSocket } from '../support/ws-client';

const SWITCH = '/api/world/hosts/mx.example.test/tamper';
const put = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(new URL(path, base), { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body });
const tamperOf = (world: WorldDescription, host: string) => world.hosts.find((h) => h.name === host)?.tamper;

describe('the tamper switch of a local lab', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge();
  });
  afterAll(() => bridge?.close());
  const world = async () => (await (await fetch(new URL('/api/world', bridge.webUrl))).json()) as WorldDescription;

  it('PUT sets a host switch that GET /api/world shows; a bad mode, host or body is refused', async () => {
    expect(tamperOf(await world(), 'mx.example.test')).toBe('off');
    const set = await put(bridge.webUrl, SWITCH, JSON.stringify({ mode: 'body' }));
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ host: 'mx.example.test', tamper: 'body' });
    expect(tamperOf(await world(), 'mx.example.test')).toBe('body');
    expect(tamperOf(await world(), 'mx.lab.test')).toBe('off');

    const bad = await put(bridge.webUrl, SWITCH, JSON.stringify({ mode: 'everything' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'mode is one of off, body, signed-header, unsigned-header' });
    expect((await put(bridge.webUrl, '/api/world/hosts/mx.nowhere.test/tamper', JSON.stringify({ mode: 'body' }))).status).toBe(404);
    expect((await put(bridge.webUrl, SWITCH, JSON.stringify({ mode: 'off', pad: 'x'.repeat(2000) }))).status).toBe(413);
    expect((await put(bridge.webUrl, SWITCH, '{"mode":"off"}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(tamperOf(await world(), 'mx.example.test')).toBe('body');
  });

  it('the WebSocket sets it too, and every page hears the changed world', async () => {
    const socket = await LabSocket.open(bridge.webUrl);
    try {
      socket.send({ type: 'world.tamper', ref: 't1', host: 'mx.example.test', mode: 'signed-header' });
      const changed = await socket.next((m) => m.type === 'world.changed');
      if (changed.type !== 'world.changed') throw new Error('unreachable');
      expect(tamperOf(changed.world, 'mx.example.test')).toBe('signed-header');
      socket.send({ type: 'world.tamper', ref: 't2', host: 'mx.nowhere.test', mode: 'body' });
      expect(await socket.next((m) => 'ref' in m && m.ref === 't2')).toMatchObject({ type: 'error', message: expect.stringMatching(/not a mail host/) });
      socket.send({ type: 'world.tamper', ref: 't3', host: 'mx.example.test', mode: 'off' });
      await socket.next((m) => m.type === 'world.changed' && tamperOf(m.world, 'mx.example.test') === 'off');
    } finally {
      socket.close();
    }
  });
});

describe('the tamper switch of hosted labs', () => {
  let bridge: HostedTestBridge;
  beforeAll(async () => {
    bridge = await startHostedTestBridge({ nodeName: 'n1', limits: { labsPerAddress: 20 } });
  });
  afterAll(() => bridge?.close());

  it("one lab's switch is its own: another lab's world stays untouched", async () => {
    const ada = new Browser(bridge);
    const bob = new Browser(bridge);
    await ada.get('/');
    await bob.get('/');
    expect((await put(bridge.webUrl, SWITCH, JSON.stringify({ mode: 'body' }), { cookie: ada.cookie })).status).toBe(200);
    expect(tamperOf(await ada.json<WorldDescription>('/api/world'), 'mx.example.test')).toBe('body');
    expect(tamperOf(await bob.json<WorldDescription>('/api/world'), 'mx.example.test')).toBe('off');
  });
});
