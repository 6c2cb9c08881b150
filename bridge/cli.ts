/** `npm start`: build the app if needed, start the bridge, print where to find it. */
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureAppBuilt } from './app-build';
import { DEFAULT_HOSTED_LIMITS } from './hosted/hosted-limits';
import { DEFAULT_HOSTED_LAB_BYTES, DEFAULT_LOCAL_LAB_BYTES, MB } from './lab/lab-budget';
import { parseSmarthost } from './outbound/smarthost';
import { AUTH_DEADLINE_MS, DEFAULT_WORK_THREADS, setWorkThreads } from './world/work-pool';
import { startBridge } from './server';
import { MESSAGES_PER_SESSION, RELAY_IDLE_MS, SESSIONS_PER_HOST } from './world/relay-sessions';
import { log } from './log';
import { SEAT_TEACHING_TIMEOUT_MS } from '../core/protocol/seat';

const HELP = `SMTP Lab: watch and question every line of a real SMTP conversation.

Usage: npm start -- [options]

  --host <address>      address to listen on (default 127.0.0.1)
  --http-port <port>    web app, JSON API and WebSocket (default 5025; 0 = any free port)
  --smtp-port <port>    the lab's SMTP server for your own clients (default 2525; 0 = any free port)
  --smtps-port <port>   the same with implicit TLS, the port 465 role (default 2465; 0 = any free port)
  --public-host <name>  the name outside clients use for the SMTP ports, shown in the lab
                        (default: the --host address; set it when that is 0.0.0.0 or behind a NAT)
  --state-dir <dir>     where the lab CA and server certificate are kept (default ~/.smtp-lab)
  --data-dir <dir>      where conversations, messages, mailboxes, the relay queue and the lab clock are
                        kept across restarts, in SQLite (default: data/ in the state directory; with
                        --hosted a database per lab, removed once the lab has been unused for
                        --idle-minutes). Delete it, with the bridge stopped, to start empty
  --no-persist          keep everything in memory only: a restart starts empty (same as --data-dir '')
  --relay <url>         send mail for outside domains through this smarthost: smtp://user:pass@host:port
                        (STARTTLS) or smtps://user:pass@host:port (TLS); or set SMTP_LAB_RELAY, which
                        keeps the password out of the process list. Off by default: nothing leaves
  --allow-outbound <d>  recipient domains the smarthost may be used for, comma separated (and the
                        names below them); every other outside domain, and all mail sent without
                        logging in (AUTH), stays in the outside mailbox
  --allowed-host <name> a name the web port answers to besides IP addresses, localhost, --host and
                        --public-host, e.g. the proxy's public name (repeatable); any other Host gets 421
  --max-lab-mb <n>      megabytes a lab keeps in all: transcripts, messages, mailbox copies, queued mail
                        and bounces; past it the oldest go first and the page says what was dropped
                        (default ${DEFAULT_LOCAL_LAB_BYTES / MB} locally, ${DEFAULT_HOSTED_LAB_BYTES / MB} per lab with --hosted)
  --work-threads <n>    worker threads for DKIM signing, SPF/DKIM/DMARC checks and reading big
                        header blocks, off the thread that answers learners (default ${DEFAULT_WORK_THREADS}: this
                        machine's cores, at least 2); a job past ${AUTH_DEADLINE_MS / 1000} s is cancelled and its worker replaced
  --relay-idle-ms <n>   how long the lab's relay keeps a connection to a mail host open for the next
                        message once it has nothing to send (default ${RELAY_IDLE_MS}; 0 = QUIT at once)
  --relay-sessions-per-host <n> connections the relay holds to one mail host at once (default ${SESSIONS_PER_HOST})
  --relay-messages-per-session <n> messages one relay connection carries before QUIT
                        (default ${MESSAGES_PER_SESSION}; 1 = a new connection for every message)
  --seat-timeout-seconds <n> how long nodemailer, started in Be the server, waits for each reply the
                        learner types (teaching mode, shown on the page; default ${SEAT_TEACHING_TIMEOUT_MS / 1000})
  --no-build            do not build the app, even if the build is missing or stale
  -h, --help            show this help

Hosted mode, for a class (see docs/deploy.md):
  --hosted              a lab of its own for every browser (kept by a cookie); outside SMTP clients
                        reach a lab only by logging in with that lab's credentials, shown in its page
  --idle-minutes <n>    close a lab nobody has used for this long, and free its memory (default ${DEFAULT_HOSTED_LIMITS.idleMs / 60_000})
  --labs-per-address <n> labs one client address may hold at once (default ${DEFAULT_HOSTED_LIMITS.labsPerAddress})
  --max-labs <n>        labs this bridge holds at once (default ${DEFAULT_HOSTED_LIMITS.maxLabs})
  --max-conversations <n> open conversations per lab: terminals, sends, outside clients (default ${DEFAULT_HOSTED_LIMITS.openConversations});
                        past it the page is told, and an outside client's AUTH gets 454 4.7.0
  --max-messages <n>    accepted messages a lab keeps; the oldest go first and the page says so (default ${DEFAULT_HOSTED_LIMITS.messages})
  --commands-per-second <n> WebSocket commands per lab and second, bursts of twice that (default ${DEFAULT_HOSTED_LIMITS.commandsPerSecond})
  --max-unauthenticated <n> commands an outside SMTP client may send before it logs in; then 421
                        and the connection ends (default ${DEFAULT_HOSTED_LIMITS.unauthenticatedCommands})
  --login-seconds <n>   seconds an outside SMTP client has to log in; then 421 and the connection ends (default ${DEFAULT_HOSTED_LIMITS.loginDeadlineMs / 1000})
  --connections-per-address <n> connections one client address may hold on the SMTP ports; the next gets
                        421 (default ${DEFAULT_HOSTED_LIMITS.connectionsPerAddress}; a classroom behind one NAT address shares it)
  --node-name <name>    name of this bridge behind a load balancer: prefixes lab ids, sent as X-Lab-Node
  --trust-proxy         count labs per the client address in X-Forwarded-For (behind a proxy only)

Once listening it prints:
  web: http://HOST:PORT/
  smtp: HOST:PORT
  smtps: HOST:PORT
`;

function count(value: string, flag: string): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || number <= 0) throw new Error(`${flag} must be a number above 0, not "${value}"`);
  return number;
}

function wholeNumber(value: string, flag: string, least: number): number {
  if (!/^\d+$/.test(value) || Number(value) < least) throw new Error(`${flag} must be a whole number from ${least} up, not "${value}"`);
  return Number(value);
}

function port(value: string, flag: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65535) {
    throw new Error(`${flag} must be a port number from 0 to 65535, not "${value}"`);
  }
  return number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'http-port': { type: 'string', default: '5025' },
      'smtp-port': { type: 'string', default: '2525' },
      'smtps-port': { type: 'string', default: '2465' },
      'state-dir': { type: 'string', default: join(homedir(), '.smtp-lab') },
      'data-dir': { type: 'string' },
      'no-persist': { type: 'boolean', default: false },
      'public-host': { type: 'string' },
      relay: { type: 'string' },
      'allow-outbound': { type: 'string', multiple: true, default: [] },
      'work-threads': { type: 'string', default: String(DEFAULT_WORK_THREADS) },
      'no-build': { type: 'boolean', default: false },
      hosted: { type: 'boolean', default: false },
      'idle-minutes': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.idleMs / 60_000) },
      'labs-per-address': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.labsPerAddress) },
      'max-labs': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.maxLabs) },
      'max-conversations': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.openConversations) },
      'max-messages': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.messages) },
      'max-lab-mb': { type: 'string' },
      'relay-idle-ms': { type: 'string', default: String(RELAY_IDLE_MS) },
      'relay-sessions-per-host': { type: 'string', default: String(SESSIONS_PER_HOST) },
      'relay-messages-per-session': { type: 'string', default: String(MESSAGES_PER_SESSION) },
      'seat-timeout-seconds': { type: 'string', default: String(SEAT_TEACHING_TIMEOUT_MS / 1000) },
      'commands-per-second': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.commandsPerSecond) },
      'max-unauthenticated': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.unauthenticatedCommands) },
      'login-seconds': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.loginDeadlineMs / 1000) },
      'connections-per-address': { type: 'string', default: String(DEFAULT_HOSTED_LIMITS.connectionsPerAddress) },
      'node-name': { type: 'string' },
      'allowed-host': { type: 'string', multiple: true, default: [] },
      'trust-proxy': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const httpPort = port(values['http-port'], '--http-port');
  const smtpPort = port(values['smtp-port'], '--smtp-port');
  const smtpsPort = port(values['smtps-port'], '--smtps-port');

  setWorkThreads(Math.floor(count(values['work-threads'], '--work-threads')));
  const labBytes = values['max-lab-mb'] === undefined ? undefined : count(values['max-lab-mb'], '--max-lab-mb') * MB;
  const relaySessions = {
    idleMs: wholeNumber(values['relay-idle-ms'], '--relay-idle-ms', 0),
    perHost: wholeNumber(values['relay-sessions-per-host'], '--relay-sessions-per-host', 1),
    messagesPerSession: wholeNumber(values['relay-messages-per-session'], '--relay-messages-per-session', 1),
  };
  const nodeName = values['node-name'];
  if (nodeName !== undefined && !/^[a-z0-9]{1,20}$/i.test(nodeName)) throw new Error(`--node-name must be 1–20 letters or digits, not "${nodeName}"`);
  const hosted = values.hosted
    ? {
        limits: {
          idleMs: count(values['idle-minutes'], '--idle-minutes') * 60_000,
          labsPerAddress: Math.floor(count(values['labs-per-address'], '--labs-per-address')),
          maxLabs: Math.floor(count(values['max-labs'], '--max-labs')),
          openConversations: Math.floor(count(values['max-conversations'], '--max-conversations')),
          messages: Math.floor(count(values['max-messages'], '--max-messages')),
          labBytes: labBytes ?? DEFAULT_HOSTED_LAB_BYTES,
          commandsPerSecond: count(values['commands-per-second'], '--commands-per-second'),
          unauthenticatedCommands: Math.floor(count(values['max-unauthenticated'], '--max-unauthenticated')),
          loginDeadlineMs: count(values['login-seconds'], '--login-seconds') * 1000,
          connectionsPerAddress: Math.floor(count(values['connections-per-address'], '--connections-per-address')),
        },
        ...(nodeName ? { nodeName } : {}),
        trustProxy: values['trust-proxy'],
      }
    : null;

  const relay = values.relay ?? process.env.SMTP_LAB_RELAY ?? null;
  const allowOutbound = values['allow-outbound'].flatMap((list) => list.split(',')).map((d) => d.trim()).filter(Boolean);
  // Parsed here too, so a bad URL stops the start with a message that never quotes the account.
  const smarthost = parseSmarthost({ relay, allowOutbound });
  if (smarthost) log('info', `outbound: ${smarthost.allowed.join(', ') || 'no domain (add --allow-outbound)'} through ${smarthost.display}`);

  if (!values['no-build']) await ensureAppBuilt();
  const bridge = await startBridge({
    host: values.host,
    httpPort,
    smtpPort,
    smtpsPort,
    stateDir: values['state-dir'],
    dataDir: values['no-persist'] ? null : (values['data-dir'] ?? join(values['state-dir'], 'data')) || null,
    outbound: relay ? { relay, allowOutbound } : null,
    ...(values['public-host'] ? { publicHost: values['public-host'] } : {}),
    allowedHosts: values['allowed-host'],
    hosted,
    ...(labBytes ? { maxLabBytes: labBytes } : {}),
    relaySessions,
    seatTimeoutMs: count(values['seat-timeout-seconds'], '--seat-timeout-seconds') * 1000,
  });
  if (hosted) log('info', `hosted: a lab per browser${nodeName ? ` on node ${nodeName}` : ''}; idle labs close after ${values['idle-minutes']} minutes`);
  process.stdout.write(
    `web: ${bridge.webUrl}\nsmtp: ${bridge.smtp.host}:${bridge.smtp.port}\nsmtps: ${bridge.smtps.host}:${bridge.smtps.port}\n`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log('warn', `${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log('info', `${signal}: closing connections…`);
    bridge.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log('error', 'shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// The bridge keeps serving whatever one connection does; an escaped error is logged, not fatal.
process.on('unhandledRejection', (reason) => log('error', 'unhandled rejection', { reason: String(reason) }));

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /EADDRINUSE/.test(message) ? ' (is the lab already running? pick another port with --http-port / --smtp-port)' : '';
  process.stderr.write(`smtp-lab: ${message}${hint}\nRun with --help for the options.\n`);
  process.exit(1);
});
