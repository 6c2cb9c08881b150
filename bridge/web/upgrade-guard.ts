/**
 * Who may talk to the bridge's web port. The Host rule holds for every HTTP request and every
 * upgrade: it stops DNS rebinding, where a foreign name pointed at 127.0.0.1 makes a hostile page
 * "same origin" with the lab and lets it read the JSON API, the app and the WebSocket. The Origin
 * rule adds that only pages of the lab's own origin may open the WebSocket. Browsers always send
 * Origin on a WebSocket upgrade; a request without one is not a page (a script, a test) and cannot
 * ride a learner's browser.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const LOOPBACK_NAMES = ['localhost'];

/**
 * The names the bridge answers to: any address literal (a rebinding page is always on a name of
 * its own, never on an address), localhost, the bound name, and the names it was told.
 */
export interface HostRule {
  /** What the web port is bound to (--host): a name here is accepted too. */
  boundHost: string;
  /** Names a proxy in front serves the bridge under, or a LAN name (--allowed-host). */
  allowedHosts?: readonly string[];
  /** The name outside clients reach the lab under (--public-host): accepted too. */
  publicHost?: string;
}

export interface GuardVerdict {
  ok: boolean;
  reason?: string;
}

function hostnameOf(hostHeader: string): string {
  // "[::1]:5025" -> "[::1]", "localhost:5025" -> "localhost"
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(hostHeader);
  return (match?.[1] ?? hostHeader).toLowerCase();
}

/** A name as it appears in a Host header: IPv6 literals in brackets, lower case. */
function asHostname(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** The Host rule, for every HTTP request and upgrade. */
export function checkHost(req: IncomingMessage, rule: HostRule): GuardVerdict {
  const host = req.headers.host;
  if (!host) return { ok: false, reason: 'missing Host header' };
  const hostname = hostnameOf(host);
  if (isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0) return { ok: true };
  const known = [...LOOPBACK_NAMES, rule.boundHost, ...(rule.allowedHosts ?? []), ...(rule.publicHost ? [rule.publicHost] : [])];
  if (!known.map(asHostname).includes(hostname)) return { ok: false, reason: `Host ${host} is not this lab` };
  return { ok: true };
}

/** The Host rule, then the Origin rule: who may open the WebSocket. */
export function checkUpgrade(req: IncomingMessage, rule: HostRule): GuardVerdict {
  const byHost = checkHost(req, rule);
  return byHost.ok ? checkOrigin(req) : byHost;
}

/** The Origin rule alone: a page of another origin may not act on the lab (the WebSocket, the inbox chores). */
export function checkOrigin(req: IncomingMessage): GuardVerdict {
  const host = req.headers.host ?? '';
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
