/** `npm run bench`: figures measured side by side in one run, on loopback, stopping by themselves. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge } from '../bridge/server';
import { spawnBridge, spawnPlainSmtpServer } from './bridge-process';
import { measureClass } from './class-load';
import { compareWithRevision } from './compare-revision';
import { measureDelivery } from './delivery-throughput';
import { measureIntakeProfile, measureRelayProfile } from './intake-profile';
import { measureLongConversation } from './long-conversation';
import { measurePageLoad } from './page-load';
import { measureRelayMemory } from './relay-memory';
import { measureRelayReuse } from './relay-reuse';
import { measureSearch } from './search';
import { directClient, measureNoopRoundTrip, type NoopResult } from './noop-roundtrip';
import { ms, summarize } from './stats';

function report(title: string, { direct, webSocket }: NoopResult): { ratio50: number; p99: number } {
  const ratio50 = webSocket.p50 / direct.p50;
  console.log(`\n${title}`);
  console.table({
    'direct TCP': { samples: direct.count, p50: ms(direct.p50), p99: ms(direct.p99), mean: ms(direct.mean) },
    'via WebSocket': { samples: webSocket.count, p50: ms(webSocket.p50), p99: ms(webSocket.p99), mean: ms(webSocket.mean) },
  });
  console.log(`ratio WebSocket/direct: p50 ${ratio50.toFixed(2)}, p99 ${(webSocket.p99 / direct.p99).toFixed(2)}`);
  return { ratio50, p99: webSocket.p99 };
}

process.env.SMTP_LAB_LOG = 'quiet';
// `npm run bench` runs every part; `-- --noop`, `-- --delivery`, `-- --relay-reuse`, `-- --relay-memory`, `-- --class`, `-- --page` or `-- --search` only the ones named.
// `-- --class --labs 200` holds a smaller class (the goal is for 1,000).
// `-- --compare <revision>` runs only the comparison of this checkout's intake with that revision's.
// `-- --intake` takes mail in from smtp-source beside bare smtp-server and MailDev; `--profile` adds
// the CPU per message by stage, and `--before <revision>` that revision's stages beside this one's;
// `-- --relay-reuse --profile [--before <revision>]` the same for taking in and relaying.
const PARTS = ['--noop', '--delivery', '--intake', '--relay-reuse', '--relay-memory', '--class', '--page', '--search'] as const;
const named = PARTS.filter((part) => process.argv.includes(part));
const runs = (part: (typeof PARTS)[number]) => named.length === 0 || named.includes(part);
const compareAt = process.argv.indexOf('--compare');
if (compareAt !== -1) {
  const revision = process.argv[compareAt + 1];
  try {
    if (!revision || revision.startsWith('--')) throw new Error('--compare takes a revision: a hash, a tag or HEAD~1');
    await compareWithRevision(revision);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
} else {
  if (runs('--noop')) await measureNoopRoundTrips();
  if (runs('--delivery')) await measureDelivery();
  if (named.includes('--intake')) {
    await measureDelivery(['smtp-source']);
    if (process.argv.includes('--profile')) await measureIntakeProfile(revisionOption('--before'));
  }
  if (runs('--relay-reuse')) {
    // `--relay-reuse --profile` profiles taking and relaying by stage instead of timing reuse off and on.
    if (named.includes('--relay-reuse') && process.argv.includes('--profile')) await measureRelayProfile(revisionOption('--before'));
    else await measureRelayReuse();
  }
  if (runs('--relay-memory')) await measureRelayMemory();
  if (runs('--class')) await measureClass(labsOption());
  if (runs('--search')) await measureSearch();
  if (runs('--page')) {
    await measurePageLoad();
    await measureLongConversation();
  }
}

function revisionOption(flag: string): string | null {
  const at = process.argv.indexOf(flag);
  if (at === -1) return null;
  const revision = process.argv[at + 1];
  if (!revision || revision.startsWith('--')) throw new Error(`${flag} takes a revision: a hash, a tag or HEAD~1`);
  return revision;
}

function labsOption(): { labs?: number } {
  const at = process.argv.indexOf('--labs');
  if (at === -1) return {};
  const labs = Number(process.argv[at + 1]);
  if (!Number.isInteger(labs) || labs < 1) throw new Error(`--labs takes a number of labs, not "${process.argv[at + 1]}"`);
  return { labs };
}

async function measureNoopRoundTrips(): Promise<void> {
  console.log('NOOP round trip: typed through the browser protocol (WebSocket -> bridge -> tap -> smtp-server -> back)');
  console.log('against a NOOP over a direct TCP socket to the same lab SMTP server, alternating rounds.');

  // 1. Bridge and clients in one process: the bridge's own cost, without cross-process wake-ups.
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-bench-'));
  const local = await startBridge({ host: '127.0.0.1', httpPort: 0, smtpPort: 0, smtpsPort: 0, stateDir });
  let goal: { ratio50: number; p99: number };
  try {
    goal = report('Bridge in this process', await measureNoopRoundTrip(local));
  } finally {
    await local.close();
    await rm(stateDir, { recursive: true, force: true });
  }

  // 2. Bridge in its own process, as `npm start` runs it: adds the machine's scheduling latency.
  const spawned = await spawnBridge();
  try {
    report('Bridge in its own process (as npm start runs it)', await measureNoopRoundTrip(spawned));
  } finally {
    await spawned.stop();
  }

  // 3. The floor: a bare smtp-server in its own process, nothing in front of it.
  const plain = await spawnPlainSmtpServer();
  try {
    const client = await directClient(plain);
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) await client.noop();
    for (let i = 0; i < 3000; i++) samples.push(await client.noop());
    client.close();
    const floor = summarize(samples);
    console.log(`\nFloor: bare smtp-server in its own process, direct TCP: p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)}`);
  } finally {
    await plain.stop();
  }

  console.log(
    `\ngoals (bridge in this process): p50 ratio ${goal.ratio50.toFixed(2)} <= 2.5 ${goal.ratio50 <= 2.5 ? 'met' : 'NOT met'}; ` +
      `p99 ${ms(goal.p99)} < 1 ms ${goal.p99 < 1 ? 'met' : 'NOT met'}`,
  );
}
