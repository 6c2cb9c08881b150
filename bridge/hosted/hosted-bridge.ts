/**
 * Hosted mode (--hosted): a lab per browser, found by the browser's lab cookie, and outside
 * clients reaching a lab with its own credentials through the bridge's shared SMTP ports.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { APP_BUILD_DIR } from '../app-build';
import { createLabShared } from '../lab/lab-shared';
import { LabLimitError } from '../lab/lab-types';
import { log } from '../log';
import type { Bridge, BridgeOptions, HostedOptions } from '../server';
import { hostRuleOf, listenHttp, once } from '../web/http-listener';
import { handleApi, sendApiError } from '../web/json-api';
import { SECURITY_HEADERS } from '../web/security-headers';
import { createStaticHandler, isPage } from '../web/static-files';
import { WsHub, type LabAttachment } from '../web/ws-hub';
import { DEFAULT_HOSTED_LIMITS, type HostedLimits } from './hosted-limits';
import { largestMessageWithin } from '../lab/lab-budget';
import { DEFAULT_LIMITS } from '../lab/smtp-server';
import { labCookie, readLabCookie } from './lab-cookie';
import { LabDirectory, type HostedLab } from './lab-directory';
import { startOutsideGateway } from './outside-gateway';
import { worldSettings } from '../world/world-settings';

export async function startHosted(options: BridgeOptions, hosted: HostedOptions): Promise<Bridge> {
  const limits: HostedLimits = { ...DEFAULT_HOSTED_LIMITS, ...hosted.limits };
  const shared = await createLabShared(options.stateDir, { host: options.host, publicHost: options.publicHost });
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
      ...worldSettings(options),
      ...(options.seatTimeoutMs ? { seatTimeoutMs: options.seatTimeoutMs } : {}),
    },
    log: (level, message, fields) => log(level, message, fields),
    onClosed: (id) => hub?.forget(id),
    dataDir: options.dataDir ? join(options.dataDir, 'labs') : null,
  });
  const gateway = await startOutsideGateway({
    host: options.host,
    smtpPort: options.smtpPort,
    smtpsPort: options.smtpsPort,
    shared,
    directory,
    unauthenticatedCommands: limits.unauthenticatedCommands,
    loginDeadlineMs: limits.loginDeadlineMs,
    connectionsPerAddress: limits.connectionsPerAddress,
    // The SIZE every lab's own servers advertise, within its memory budget.
    limits: { maxMessageSize: largestMessageWithin(limits.labBytes, DEFAULT_LIMITS.maxMessageSize) },
    log: (message) => log('warn', message),
  }).catch(async (error: unknown) => {
    await Promise.all([directory.close(), shared.close()]);
    throw error;
  });
  outside = { smtp: gateway.smtp, smtps: gateway.smtps };
  const restored = await directory.restore();
  if (restored > 0) log('info', 'labs kept on disk opened again', { labs: restored });

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
    hostRuleOf(options),
  );
  const serveStatic = createStaticHandler(APP_BUILD_DIR);
  const web = await listenHttp(options, hub, async (req, res) => {
    if (hosted.nodeName) res.setHeader('X-Lab-Node', hosted.nodeName);
    const { pathname } = new URL(req.url ?? '/', 'http://lab');
    if (pathname === '/healthz' || pathname === '/api/ca.pem') {
      handleApi(null, req, res, { caPem: shared.certificates.caPem });
      return;
    }
    if (pathname.startsWith('/api/')) {
      const found = await labOf(req, false);
      if (!found) {
        sendApiError(res, 401, `No lab for this browser: open the lab page first (a lab closes after ${Math.round(limits.idleMs / 60_000)} minutes unused).`);
        return;
      }
      handleApi(found.hosted.lab, req, res, { identity: { id: found.hosted.id, node: hosted.nodeName ?? null } });
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
