/** The bridge's HTTP port: the app, the JSON API and the WebSocket upgrade, on one listener. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../log';
import { SECURITY_HEADERS } from './security-headers';
import { checkHost, type HostRule } from './upgrade-guard';
import type { WsHub } from './ws-hub';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** URLs need brackets around IPv6 literals. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * A request under a name that is not this lab's (DNS rebinding) gets 421 before it reaches the app
 * or the API: the same Host rule the WebSocket upgrade is held to.
 */
function refuseForeignHost(req: IncomingMessage, res: ServerResponse, rule: HostRule): boolean {
  const verdict = checkHost(req, rule);
  if (verdict.ok) return false;
  log('warn', 'HTTP request refused', { reason: verdict.reason ?? '', url: req.url ?? '' });
  const body = `SMTP Lab: ${verdict.reason ?? 'wrong Host'}. Open the lab under its own address, or start it with --allowed-host for this name.\n`;
  res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...SECURITY_HEADERS });
  res.end(body);
  return true;
}

export async function listenHttp(
  options: { host: string; httpPort: number; allowedHosts?: readonly string[]; publicHost?: string },
  hub: WsHub,
  handle: Handler,
): Promise<{ url: string; close(): Promise<void> }> {
  const rule = hostRuleOf(options);
  const http: Server = createServer((req, res) => {
    if (refuseForeignHost(req, res, rule)) return;
    handle(req, res).catch((error: unknown) => {
      log('error', 'request failed', { url: req.url ?? '', error: String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  http.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  http.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  return {
    url: `http://${urlHost(options.host)}:${address.port}/`,
    async close() {
      await hub.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The names the bridge's web port answers to, from its options (--host, --allowed-host, --public-host). */
export function hostRuleOf(options: { host: string; allowedHosts?: readonly string[]; publicHost?: string }): HostRule {
  return {
    boundHost: options.host,
    allowedHosts: options.allowedHosts ?? [],
    ...(options.publicHost ? { publicHost: options.publicHost } : {}),
  };
}

export function once(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= run());
}
