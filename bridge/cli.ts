/** `npm start`: build the app if needed, start the bridge, print where to find it. */
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureAppBuilt } from './app-build';
import { parseSmarthost } from './outbound/smarthost';
import { startBridge } from './server';
import { log } from './log';

const HELP = `SMTP Lab: watch and question every line of a real SMTP conversation.

Usage: npm start -- [options]

  --host <address>      address to listen on (default 127.0.0.1)
  --http-port <port>    web app, JSON API and WebSocket (default 5025; 0 = any free port)
  --smtp-port <port>    the lab's SMTP server for your own clients (default 2525; 0 = any free port)
  --smtps-port <port>   the same with implicit TLS, the port 465 role (default 2465; 0 = any free port)
  --state-dir <dir>     where the lab CA and server certificate are kept (default ~/.smtp-lab)
  --relay <url>         send mail for outside domains through this smarthost: smtp://user:pass@host:port
                        (STARTTLS) or smtps://user:pass@host:port (TLS); or set SMTP_LAB_RELAY, which
                        keeps the password out of the process list. Off by default: nothing leaves
  --allow-outbound <d>  recipient domains the smarthost may be used for, comma separated (and the
                        names below them); every other outside domain stays in the outside mailbox
  --no-build            do not build the app, even if the build is missing or stale
  -h, --help            show this help

Once listening it prints:
  web: http://HOST:PORT/
  smtp: HOST:PORT
  smtps: HOST:PORT
`;

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
      relay: { type: 'string' },
      'allow-outbound': { type: 'string', multiple: true, default: [] },
      'no-build': { type: 'boolean', default: false },
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
    outbound: relay ? { relay, allowOutbound } : null,
  });
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
