/**
 * The bridge: one HTTP port for the app, the JSON API and the WebSocket, plus the SMTP listeners.
 * Locally it runs one lab for every tab and client. Hosted (--hosted) it runs a lab per browser,
 * found by the browser's lab cookie, and outside clients reach a lab with its own credentials.
 */
import { join } from 'node:path';
import { createLab } from './lab/lab';
import type { SmarthostOptions } from './outbound/smarthost';
import type { RelaySessionOptions } from './world/relay-sessions';
import { worldSettings } from './world/world-settings';
import type { Lab } from './lab/lab-types';
import { APP_BUILD_DIR } from './app-build';
import type { HostedLimits } from './hosted/hosted-limits';
import { startHosted } from './hosted/hosted-bridge';
import type { LabDirectory } from './hosted/lab-directory';
import { hostRuleOf, listenHttp, once } from './web/http-listener';
import { handleApi } from './web/json-api';
import { createStaticHandler } from './web/static-files';
import { WsHub } from './web/ws-hub';

/** The local lab's database, in the data directory. */
export const LOCAL_LAB_FILE = 'lab.sqlite';

export interface BridgeOptions {
  host: string;
  httpPort: number;
  smtpPort: number;
  smtpsPort: number;
  stateDir: string;
  /**
   * Where labs keep what they hold across restarts (--data-dir): one SQLite database locally, one
   * per lab in hosted mode. Absent or null: memory only (tests, --no-persist).
   */
  dataDir?: string | null;
  /** Outbound delivery to the real world through a smarthost (--relay); absent or null: off. */
  outbound?: SmarthostOptions | null;
  /** The name outside clients reach the SMTP ports under, shown in the lab (--public-host). */
  publicHost?: string;
  /** Host names a proxy in front serves the bridge under (--allowed-host): the Host check of every HTTP request. */
  allowedHosts?: readonly string[];
  /** A lab per browser instead of one for all (--hosted), with these limits. */
  hosted?: HostedOptions | null;
  /** The local lab's memory budget in bytes (--max-lab-mb); hosted labs take theirs from `hosted.limits`. */
  maxLabBytes?: number;
  /** How the relay keeps and reuses connections to a host (--relay-idle-ms and the like); absent: the defaults. */
  relaySessions?: RelaySessionOptions;
  /** How long clients of Be the server wait for each typed reply (--seat-timeout-seconds). */
  seatTimeoutMs?: number;
}

export interface HostedOptions {
  limits?: Partial<HostedLimits>;
  /** Prefixes lab ids and names this bridge in X-Lab-Node, for a load balancer in front. */
  nodeName?: string;
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
    dataFile: options.dataDir ? join(options.dataDir, LOCAL_LAB_FILE) : null,
    ...(options.publicHost ? { publicHost: options.publicHost } : {}),
    ...worldSettings(options),
    ...(options.maxLabBytes ? { maxLabBytes: options.maxLabBytes } : {}),
    ...(options.seatTimeoutMs ? { seatTimeoutMs: options.seatTimeoutMs } : {}),
  });
  const hub = new WsHub(lab, hostRuleOf(options));
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

