/** The bridge's HTTP port: the app, the JSON API and the WebSocket upgrade, on one listener. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { log } from '../log';
import type { WsHub } from './ws-hub';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** URLs need brackets around IPv6 literals. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function listenHttp(options: { host: string; httpPort: number }, hub: WsHub, handle: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const http: Server = createServer((req, res) => {
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

export function once(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= run());
}
