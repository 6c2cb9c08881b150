/**
 * Who may open the WebSocket: only pages of the lab's own origin. Browsers always send Origin on a
 * WebSocket upgrade; a request without one is not a page (a script, a test) and cannot ride a
 * learner's browser. The Host check stops DNS rebinding: a foreign name pointed at 127.0.0.1 would
 * otherwise pass the same-origin test.
 */
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];

export interface UpgradeVerdict {
  ok: boolean;
  reason?: string;
}

function hostnameOf(hostHeader: string): string {
  // "[::1]:5025" -> "[::1]", "localhost:5025" -> "localhost"
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader);
  return (match?.[1] ?? hostHeader).toLowerCase();
}

/**
 * `allowedHosts`: names a proxy in front of the bridge serves it under. Bound to every address, the
 * bridge cannot know its own names; given any, it holds every upgrade to them (and loopback).
 */
export function checkUpgrade(req: IncomingMessage, boundHost: string, allowedHosts: readonly string[] = []): UpgradeVerdict {
  const host = req.headers.host;
  if (!host) return { ok: false, reason: 'missing Host header' };
  const hostname = hostnameOf(host);
  if (!WILDCARD_HOSTS.includes(boundHost) || allowedHosts.length > 0) {
    const bound = WILDCARD_HOSTS.includes(boundHost) ? [] : [boundHost.toLowerCase(), `[${boundHost.toLowerCase()}]`];
    const allowed = new Set([...LOOPBACK_NAMES, ...bound, ...allowedHosts.map((h) => h.toLowerCase())]);
    if (!allowed.has(hostname)) return { ok: false, reason: `Host ${host} is not this lab` };
  }
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return { ok: false, reason: `unreadable Origin ${origin}` };
  }
  if (originHost.toLowerCase() !== host.toLowerCase()) {
    return { ok: false, reason: `Origin ${origin} is not the lab's own origin` };
  }
  return { ok: true };
}
