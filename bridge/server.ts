/** The bridge: one HTTP port for the app, the JSON API and the WebSocket, plus the lab's SMTP listener. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLab } from './lab/lab';
import type { SmarthostOptions } from './outbound/smarthost';
import type { Lab } from './lab/lab-types';
import { APP_BUILD_DIR } from './app-build';
import { handleApi } from './web/json-api';
import { createStaticHandler } from './web/static-files';
import { WsHub } from './web/ws-hub';
import { log } from './log';

export interface BridgeOptions {
  host: string;
  httpPort: number;
  smtpPort: number;
  smtpsPort: number;
  stateDir: string;
  /** Outbound delivery to the real world through a smarthost (--relay); absent or null: off. */
  outbound?: SmarthostOptions | null;
}

export interface Bridge {
  readonly lab: Lab;
  readonly webUrl: string;
  readonly smtp: { host: string; port: number };
  readonly smtps: { host: string; port: number };
  close(): Promise<void>;
}

/** URLs need brackets around IPv6 literals. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const lab = await createLab({
    host: options.host,
    smtpPort: options.smtpPort,
    smtpsPort: options.smtpsPort,
    stateDir: options.stateDir,
    ...(options.outbound ? { world: { outbound: options.outbound } } : {}),
  });
  const hub = new WsHub(lab, { boundHost: options.host });
  const serveStatic = createStaticHandler(APP_BUILD_DIR);

  const http: Server = createServer((req, res) => {
    try {
      if (handleApi(lab, req, res)) return;
      serveStatic(req, res).catch((error: unknown) => {
        log('error', 'static file failed', { url: req.url ?? '', error: String(error) });
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    } catch (error) {
      log('error', 'request failed', { url: req.url ?? '', error: String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  http.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  http.on('clientError', (_error, socket) => socket.destroy());

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.httpPort, options.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await lab.close();
    throw error;
  }

  const address = http.address() as AddressInfo;
  const webUrl = `http://${urlHost(options.host)}:${address.port}/`;
  let closing: Promise<void> | null = null;

  return {
    lab,
    webUrl,
    smtp: lab.smtpAddress,
    smtps: lab.smtpsAddress,
    close() {
      closing ??= (async () => {
        await hub.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await lab.close();
      })();
      return closing;
    },
  };
}
