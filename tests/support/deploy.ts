/**
 * A deployment on loopback, as docs/deploy.md describes it: bridge processes started the way
 * `npm start` starts them, and Debian's nginx in front, run as the test user from a throwaway
 * prefix (no service is installed or started). scripts/ensure-nginx.mjs brings nginx.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bridge/app-build';

export interface Address {
  host: string;
  port: number;
}

export interface BridgeProcess {
  webUrl: string;
  web: Address;
  smtp: Address;
  smtps: Address;
  stateDir: string;
  /** Everything it wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL if it has not exited after a few seconds; removes its state dir. */
  stop(): Promise<void>;
}

function parseAddress(text: string): Address {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** Resolves when the child has exited, SIGKILLing it after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `bridge/cli.ts` with loopback, any free ports, a throwaway state dir and `--no-build`
 * (build the app first) plus `args`, and waits for the web/smtp/smtps lines it prints.
 */
export async function spawnBridge(args: string[], { timeoutMs = 30_000 } = {}): Promise<BridgeProcess> {
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-deploy-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bridge/cli.ts', '--host', '127.0.0.1', '--http-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--state-dir', stateDir, '--no-build', ...args],
    { cwd: PROJECT_ROOT, env: { ...process.env, SMTP_LAB_LOG: process.env.SMTP_LAB_LOG ?? 'quiet' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stop = async () => {
    await stopChild(child);
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const lines = await new Promise<{ web: string; smtp: string; smtps: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bridge ${args.join(' ')} did not print its addresses in ${timeoutMs} ms:\n${stdout}${stderr}`)), timeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const web = /^web: (\S+)$/m.exec(stdout);
        const smtp = /^smtp: (\S+)$/m.exec(stdout);
        const smtps = /^smtps: (\S+)$/m.exec(stdout);
        if (web?.[1] && smtp?.[1] && smtps?.[1]) {
          clearTimeout(timer);
          resolve({ web: web[1], smtp: smtp[1], smtps: smtps[1] });
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`bridge ${args.join(' ')} exited (${signal ?? code}) before listening:\n${stdout}${stderr}`));
      });
    });
    const url = new URL(lines.web);
    return {
      webUrl: lines.web,
      web: { host: url.hostname, port: Number(url.port) },
      smtp: parseAddress(lines.smtp),
      smtps: parseAddress(lines.smtps),
      stateDir,
      stderr: () => stderr,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Nginx {
  binary: string;
  /** Environment to run it with (LD_LIBRARY_PATH when libraries were unpacked next to it). */
  env: NodeJS.ProcessEnv;
}

const NGINX_CACHE = join(PROJECT_ROOT, 'node_modules', '.cache', 'smtp-lab-nginx', 'extracted');

/** Where scripts/ensure-nginx.mjs leaves nginx: SMTP_LAB_NGINX, the system's, or the unpacked package. */
export function findNginx(): Nginx | { missing: string } {
  const candidates: Nginx[] = [];
  if (process.env.SMTP_LAB_NGINX) candidates.push({ binary: process.env.SMTP_LAB_NGINX, env: process.env });
  candidates.push({ binary: '/usr/sbin/nginx', env: process.env });
  const libs: string[] = [];
  for (const base of [join(NGINX_CACHE, 'usr', 'lib'), join(NGINX_CACHE, 'lib')]) {
    if (existsSync(base)) for (const entry of readdirSync(base)) if (entry.endsWith('-linux-gnu')) libs.push(join(base, entry));
  }
  candidates.push({ binary: join(NGINX_CACHE, 'usr', 'sbin', 'nginx'), env: { ...process.env, LD_LIBRARY_PATH: libs.join(':') } });
  for (const candidate of candidates) {
    if (!existsSync(candidate.binary)) continue;
    if (spawnSync(candidate.binary, ['-v'], { env: candidate.env, stdio: 'ignore', timeout: 10_000 }).status === 0) return candidate;
  }
  return { missing: 'no nginx found: run `node scripts/ensure-nginx.mjs` (npm test does), or set SMTP_LAB_NGINX' };
}

export interface LabNode {
  name: string;
  web: Address;
}

/**
 * The `http { … }` body that sends every request of a lab to the bridge that holds it: the lab
 * cookie's value starts with the node name (`a-…`), so a map picks that node's upstream; a request
 * without one (a new browser) goes to any bridge, round robin. The same config is in docs/deploy.md.
 */
export function stickyLabHttp(nodes: LabNode[], listen: string): string {
  const server = (node: LabNode, extra = '') => `server ${node.web.host}:${node.web.port}${extra};`;
  // If a lab's bridge is down, the others stand in: they do not know its cookie, so they open a new lab.
  const pool = (node: LabNode) => [server(node), ...nodes.filter((other) => other !== node).map((other) => server(other, ' backup'))].join(' ');
  return [
    `upstream lab_any { ${nodes.map((node) => server(node)).join(' ')} }`,
    ...nodes.map((node) => `upstream lab_${node.name} { ${pool(node)} }`),
    `map $cookie_smtplab_lab $lab_pool {`,
    ...nodes.map((node) => `  ~^${node.name}- lab_${node.name};`),
    `  default lab_any;`,
    `}`,
    `map $http_upgrade $connection_upgrade { default upgrade; '' close; }`,
    `server {`,
    `  listen ${listen};`,
    `  location / {`,
    `    proxy_pass http://$lab_pool;`,
    `    proxy_http_version 1.1;`,
    `    proxy_set_header Host $http_host;`,
    `    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`,
    `    proxy_set_header X-Forwarded-Proto $scheme;`,
    `    proxy_set_header Upgrade $http_upgrade;`,
    `    proxy_set_header Connection $connection_upgrade;`,
    `    proxy_read_timeout 1h;`,
    `    proxy_send_timeout 1h;`,
    `  }`,
    `}`,
  ].join('\n');
}

/** A free TCP port on loopback (free now; nginx binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningNginx {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground as one process (no master, no user switch) on a free loopback port,
 * with its config, pid, logs and temp files in a throwaway prefix. `http` builds the body of the
 * `http { … }` block from the `listen` value.
 */
export async function startNginx(nginx: Nginx, http: (listen: string) => string): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'smtp-lab-nginx-'));
  const temp = join(prefix, 'temp');
  await mkdir(temp);
  let lastError: Error | undefined;
  // The port is picked before nginx binds it; on the rare clash, pick another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const conf = join(prefix, 'nginx.conf');
    await writeFile(
      conf,
      [
        'worker_processes 1;',
        'events { worker_connections 512; }',
        'http {',
        '  access_log off;',
        // Debian's build points these at /var/lib/nginx, which the test user may not write.
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(temp, kind)};`),
        ...http(`127.0.0.1:${port}`)
          .split('\n')
          .map((line) => `  ${line}`),
        '}',
        '',
      ].join('\n'),
    );
    const child = spawn(nginx.binary, ['-p', `${prefix}/`, '-c', conf, '-e', 'stderr', '-g', `daemon off; master_process off; pid ${join(prefix, 'nginx.pid')};`], {
      env: nginx.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (error) => resolve(error));
    });
    if (spawned) {
      await rm(prefix, { recursive: true, force: true });
      throw spawned;
    }
    const started = Date.now();
    while (child.exitCode === null && child.signalCode === null && Date.now() - started < 10_000 && !(await accepts(port))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (child.exitCode === null && child.signalCode === null && (await accepts(port))) {
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        stderr: () => stderr,
        async stop() {
          await stopChild(child);
          await rm(prefix, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    lastError = new Error(`nginx did not start on 127.0.0.1:${port}:\n${stderr}`);
    if (!/Address already in use/.test(stderr)) break;
  }
  await rm(prefix, { recursive: true, force: true });
  throw lastError ?? new Error('nginx did not start');
}
