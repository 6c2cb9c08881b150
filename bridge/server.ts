/**
 * The bridge: one HTTP port for the app, the JSON API and the WebSocket, plus the SMTP listeners.
 * Locally it runs one lab for every tab and client. Hosted (--hosted) it runs a lab per browser,
 * found by the browser's lab cookie, and outside clients reach a lab with its own credentials.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLab } from './lab/lab';
import { createLabShared } from './lab/lab-shared';
import type { SmarthostOptions } from './outbound/smarthost';
import { LabLimitError, type Lab } from './lab/lab-types';
import { APP_BUILD_DIR } from './app-build';
import { DEFAULT_HOSTED_LIMITS, type HostedLimits } from './hosted/hosted-limits';
import { labCookie, readLabCookie } from './hosted/lab-cookie';
import { LabDirectory, type HostedLab } from './hosted/lab-directory';
import { startOutsideGateway } from './hosted/outside-gateway';
import { handleApi, sendApiError } from './web/json-api';
import { SECURITY_HEADERS } from './web/security-headers';
import { createStaticHandler } from './web/static-files';
import { WsHub, type LabAttachment } from './web/ws-hub';
import { log } from './log';

export interface BridgeOptions {
  host: string;
  httpPort: number;
  smtpPort: number;
  smtpsPort: number;
  stateDir: string;
  /** Outbound delivery to the real world through a smarthost (--relay); absent or null: off. */
  outbound?: SmarthostOptions | null;
  /** The name outside clients reach the SMTP ports under, shown in the lab (--public-host). */
  publicHost?: string;
  /** A lab per browser instead of one for all (--hosted), with these limits. */
  hosted?: HostedOptions | null;
}

export interface HostedOptions {
  limits?: Partial<HostedLimits>;
  /** Prefixes lab ids and names this bridge in X-Lab-Node, for a load balancer in front. */
  nodeName?: string;
  /** Host names a proxy in front serves the bridge under (WebSocket Host check). */
  allowedHosts?: readonly string[];
  /** Count labs per the address in X-Forwarded-For, set by a proxy in front. */
  trustProxy?: boolean;
}

export interface Bridge {
  /** The lab locally; undefined in hosted mode, where every browser has its own. */
  readonly lab: Lab | undefined;
  /** Hosted mode's labs. */
  readonly directory: LabDirectory | undefined;
  readonly webUrl: string;
  readonly smtp: { host: string; port: number };
  readonly smtps: { host: string; port: number };
  close(): Promise<void>;
}

/** URLs need brackets around IPv6 literals. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A page the app answers (not an asset, not the API): where a browser without a lab gets one. */
function isPage(pathname: string): boolean {
  return !pathname.startsWith('/assets/') && !pathname.startsWith('/api/') && (/\.html?$/.test(pathname) || !/\.[a-z0-9]+$/i.test(pathname));
}

/** The local bridge: one lab for every page and client. */
export interface LocalBridge extends Bridge {
  readonly lab: Lab;
}

export function startBridge(options: BridgeOptions & { hosted?: null }): Promise<LocalBridge>;
export function startBridge(options: BridgeOptions): Promise<Bridge>;
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  return options.hosted ? startHosted(options, options.hosted) : startLocal(options);
}

async function startLocal(options: BridgeOptions): Promise<LocalBridge> {
  const lab = await createLab({
    host: options.host,
    smtpPort: options.smtpPort,
    smtpsPort: options.smtpsPort,
    stateDir: options.stateDir,
    ...(options.publicHost ? { publicHost: options.publicHost } : {}),
    ...(options.outbound ? { world: { outbound: options.outbound } } : {}),
  });
  const hub = new WsHub(lab, { boundHost: options.host });
  const serveStatic = createStaticHandler(APP_BUILD_DIR);
  const web = await listenHttp(options, hub, async (req, res) => {
    if (handleApi(lab, req, res)) return;
    await serveStatic(req, res);
  }).catch(async (error: unknown) => {
    await lab.close();
    throw error;
  });
  return {
    lab,
    directory: undefined,
    webUrl: web.url,
    smtp: lab.smtpAddress,
    smtps: lab.smtpsAddress,
    close: once(async () => {
      await web.close();
      await lab.close();
    }),
  };
}

async function startHosted(options: BridgeOptions, hosted: HostedOptions): Promise<Bridge> {
  const limits: HostedLimits = { ...DEFAULT_HOSTED_LIMITS, ...hosted.limits };
  const shared = await createLabShared(options.stateDir);
  let outside: { smtp: { host: string; port: number }; smtps: { host: string; port: number } } | null = null;
  let hub: WsHub | null = null;
  const directory = new LabDirectory({
    shared,
    limits,
    ...(hosted.nodeName ? { nodeName: hosted.nodeName } : {}),
    outside: () => {
      if (!outside) throw new Error('The SMTP listeners are not up yet');
      return outside;
    },
    settings: {
      host: options.host,
      smtpPort: 0,
      smtpsPort: 0,
      stateDir: options.stateDir,
      ...(options.publicHost ? { publicHost: options.publicHost } : {}),
      ...(options.outbound ? { world: { outbound: options.outbound } } : {}),
    },
    log: (level, message, fields) => log(level, message, fields),
    onClosed: (id) => hub?.forget(id),
  });
  const gateway = await startOutsideGateway({
    host: options.host,
    smtpPort: options.smtpPort,
    smtpsPort: options.smtpsPort,
    shared,
    directory,
    log: (message) => log('warn', message),
  }).catch(async (error: unknown) => {
    await Promise.all([directory.close(), shared.close()]);
    throw error;
  });
  outside = { smtp: gateway.smtp, smtps: gateway.smtps };

  const clientAddress = (req: IncomingMessage): string => {
    const forwarded = hosted.trustProxy ? req.headers['x-forwarded-for'] : undefined;
    const last = typeof forwarded === 'string' ? forwarded.split(',').pop()?.trim() : undefined;
    return last || req.socket.remoteAddress || '?';
  };
  /** The caller's lab; a new one (with its cookie) when `create` and the browser has none. */
  async function labOf(req: IncomingMessage, create: boolean): Promise<{ hosted: HostedLab; setCookie?: string } | undefined> {
    const existing = directory.get(readLabCookie(req.headers.cookie));
    if (existing) {
      directory.touch(existing);
      return { hosted: existing };
    }
    if (!create) return undefined;
    const made = await directory.create(clientAddress(req));
    return { hosted: made, setCookie: labCookie(made.id, req) };
  }

  hub = new WsHub(
    async (req): Promise<LabAttachment> => {
      const found = await labOf(req, true);
      if (!found) throw new Error('no lab');
      const lab = found.hosted;
      return {
        key: lab.id,
        lab: lab.lab,
        ...(found.setCookie ? { setCookie: found.setCookie } : {}),
        channel: {
          allow: () =>
            lab.commands.take()
              ? { ok: true }
              : { ok: false, message: `Slow down: a lab takes at most ${limits.commandsPerSecond} commands a second. That one was not carried out; send it again.` },
          onPages: (count) => {
            lab.pages = count;
            directory.touch(lab);
          },
          onActivity: () => directory.touch(lab),
        },
      };
    },
    { boundHost: options.host, allowedHosts: hosted.allowedHosts ?? [] },
  );
  const serveStatic = createStaticHandler(APP_BUILD_DIR);
  const web = await listenHttp(options, hub, async (req, res) => {
    if (hosted.nodeName) res.setHeader('X-Lab-Node', hosted.nodeName);
    const { pathname } = new URL(req.url ?? '/', 'http://lab');
    if (pathname === '/healthz' || pathname === '/api/ca.pem') {
      handleApi(null, req, res, shared.certificates.caPem);
      return;
    }
    if (pathname.startsWith('/api/')) {
      const found = await labOf(req, false);
      if (!found) {
        sendApiError(res, 401, `No lab for this browser: open the lab page first (a lab closes after ${Math.round(limits.idleMs / 60_000)} minutes unused).`);
        return;
      }
      if (pathname === '/api/lab') {
        sendApiJson(res, { id: found.hosted.id, node: hosted.nodeName ?? null, ...found.hosted.lab.info });
        return;
      }
      handleApi(found.hosted.lab, req, res);
      return;
    }
    if (isPage(pathname) && (req.method === 'GET' || req.method === 'HEAD')) {
      try {
        const found = await labOf(req, true);
        if (found?.setCookie) res.setHeader('Set-Cookie', found.setCookie);
      } catch (error) {
        if (!(error instanceof LabLimitError)) throw error;
        res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '60', ...SECURITY_HEADERS });
        res.end(`SMTP Lab: ${error.message}\n`);
        return;
      }
    }
    await serveStatic(req, res);
  }).catch(async (error: unknown) => {
    await Promise.all([gateway.close(), directory.close()]);
    await shared.close();
    throw error;
  });

  return {
    lab: undefined,
    directory,
    webUrl: web.url,
    smtp: gateway.smtp,
    smtps: gateway.smtps,
    close: once(async () => {
      await web.close();
      await gateway.close();
      await directory.close();
      await shared.close();
    }),
  };
}

function sendApiJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value, null, 2) + '\n';
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

async function listenHttp(options: BridgeOptions, hub: WsHub, handle: Handler): Promise<{ url: string; close(): Promise<void> }> {
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

function once(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= run());
}
