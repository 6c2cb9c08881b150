/**
 * Delivery throughput, side by side in one run: the lab's SMTP port (tap recording every line,
 * messages kept), a bare smtp-server that discards, and MailDev, each in its own process on
 * loopback. Targets take turns round by round, so a busy moment on a shared machine hits all of
 * them alike; ratios are taken within a round and their median reported.
 */
import { spawnBridge, spawnPlainSmtpServer, type BridgeProcess } from './bridge-process';
import { mailDevBinary, spawnMailDev } from './maildev-process';
import { runNodemailer } from './nodemailer-load';
import { manualSteps, obtainSmtpSource, runSmtpSource, type SmtpSource } from './smtp-source';
import { median } from './stats';

/** 'lab' as `npm start` runs it, keeping everything in SQLite; beside it the same lab with --no-persist. */
const TARGETS = ['lab', 'lab in memory only', 'bare smtp-server', 'MailDev'] as const;
type TargetName = (typeof TARGETS)[number];
export type ClientName = 'smtp-source' | 'nodemailer';
/** Runs `messages` through a target and resolves with the wall time in seconds. */
type Load = (port: number, messages: number) => Promise<number>;
/**
 * Per target, one entry per round: messages per second, the target's CPU microseconds per message,
 * and (the lab) the seconds its relay took after the client's last message to carry everything on.
 */
interface Samples {
  rates: number[];
  cpu: number[];
  drain: number[];
  /** The lab's CPU microseconds per message while the client ran: taking mail in, before the relay's catch-up. */
  intakeCpu: number[];
  /** The client's wall time of each round. */
  seconds: number[];
}

const MESSAGE_SIZE = 1024;
/**
 * A real mailbox of the lab's world: after its 250 the lab relays each message on to
 * mx.example.test and files it in bob's mailbox, as its queue does for any mail. An unknown
 * recipient would add a bounce per message on top.
 */
export const RECIPIENT = 'bob@example.test';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Each timed run aims at about this long: short enough to finish soon, long enough to be more than noise. */
const RUN_SECONDS = 1.5;

const clients: Record<ClientName, { warmUp: number; load: Load }> = {
  'smtp-source': {
    warmUp: 1_000,
    load: (port, messages) => runSmtpSource(source!, { port, sessions: 10, size: MESSAGE_SIZE, messages, to: RECIPIENT, timeoutMs: 60_000 }),
  },
  nodemailer: {
    warmUp: 500,
    load: (port, messages) => runNodemailer({ port, connections: 5, size: MESSAGE_SIZE, messages, to: RECIPIENT, timeoutMs: 60_000 }),
  },
};
let source: SmtpSource | null = null;

/** `only`: the clients to run (both by default). */
export async function measureDelivery(only: readonly ClientName[] = ['smtp-source', 'nodemailer']): Promise<void> {
  console.log('\nDelivery throughput: 1 KB messages into each target on loopback, each target in its own process.');
  const found = await obtainSmtpSource();
  if ('missing' in found) {
    console.log(`smtp-source skipped: ${found.missing}. To fetch it by hand (as root):\n${manualSteps()}`);
  } else {
    source = found;
  }
  const maildev = mailDevBinary();
  if (!maildev) console.log('MailDev skipped: the maildev package is not installed (npm install).');

  const running = new Map<TargetName, BridgeProcess>();
  // Ctrl-C mid-run: stop the targets (and remove their state directories) before leaving.
  const interrupted = () => void Promise.all([...running.values()].map((target) => target.stop())).finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    running.set('lab', await spawnBridge());
    running.set('lab in memory only', await spawnBridge([], undefined, ['--no-persist']));
    running.set('bare smtp-server', await spawnPlainSmtpServer());
    if (maildev) running.set('MailDev', await spawnMailDev(maildev));
    const results = new Map<ClientName, Map<TargetName, Samples>>();
    for (const client of only) {
      if (client === 'smtp-source' && !source) continue;
      results.set(client, await measureClient(client, running));
    }
    report(results);
    const lab = running.get('lab');
    if (lab) await checkLabRecord(lab.webUrl);
  } finally {
    process.off('SIGINT', interrupted);
    await Promise.all([...running.values()].map((target) => target.stop()));
  }
}

async function measureClient(client: ClientName, running: Map<TargetName, BridgeProcess>): Promise<Map<TargetName, Samples>> {
  const { warmUp, load } = clients[client];
  const counts = new Map<TargetName, number>();
  const samples = new Map<TargetName, Samples>();
  // Warm-up: lets the JIT settle and sizes each target's runs to about RUN_SECONDS.
  for (const [name, target] of running) {
    try {
      const rate = warmUp / (await load(target.smtp.port, warmUp));
      counts.set(name, Math.min(50_000, Math.max(warmUp, Math.round((rate * RUN_SECONDS) / 100) * 100)));
      samples.set(name, { rates: [], cpu: [], drain: [], intakeCpu: [], seconds: [] });
    } catch (error) {
      console.log(`${client} -> ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const names = [...counts.keys()];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first, so no target always runs right after the same neighbour.
    const order = names.map((_, index) => names[(index + round) % names.length] as TargetName);
    for (const name of order) {
      const messages = counts.get(name) ?? warmUp;
      const target = running.get(name);
      const taken = samples.get(name);
      if (!target || !taken) continue;
      try {
        const cpuBefore = target.cpuSeconds();
        const seconds = await load(target.smtp.port, messages);
        const cpuTakingIn = target.cpuSeconds() - cpuBefore;
        // Work left after the last reply (the lab's relaying) is still this run's cost, and must
        // not land on the next target's run.
        const drained = name.startsWith('lab') ? await relayDrained(target.webUrl) : 0;
        await settle(target);
        taken.cpu.push(((target.cpuSeconds() - cpuBefore) / messages) * 1e6);
        taken.rates.push(messages / seconds);
        taken.drain.push(drained);
        taken.intakeCpu.push((cpuTakingIn / messages) * 1e6);
        taken.seconds.push(seconds);
      } catch (error) {
        taken.rates.push(NaN);
        taken.cpu.push(NaN);
        taken.drain.push(NaN);
        taken.intakeCpu.push(NaN);
        taken.seconds.push(NaN);
        console.log(`${client} -> ${name}, round ${round + 1}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return samples;
}

/**
 * Waits until the lab's relay queue is empty (a burst holds relaying back until it is over) and
 * resolves with the seconds that took, at most 120 s.
 */
export async function relayDrained(webUrl: string): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const queue = (await (await fetch(new URL('/api/queue', webUrl))).json()) as { held: number };
    if (queue.held === 0) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the lab relay queue did not empty within 120 s');
}

/** Waits until the target's process is nearly idle (under 5% of a core for 250 ms), at most 60 s. */
export async function settle(target: BridgeProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let before = target.cpuSeconds();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = target.cpuSeconds();
    if (!(now - before > 0.0125)) return; // also ends the wait where CPU time cannot be read (NaN)
    before = now;
  }
}

function report(results: Map<ClientName, Map<TargetName, Samples>>): void {
  const table: Record<string, Record<string, string>> = {};
  for (const target of TARGETS) {
    const row: Record<string, string> = {};
    for (const [client, byTarget] of results) {
      const taken = byTarget.get(target);
      row[`${client} msg/s`] = taken ? fmt(median(taken.rates)) : 'n/a';
    }
    // CPU per message barely moves when other work shares the machine: the steadier comparison.
    for (const [client, byTarget] of results) {
      const taken = byTarget.get(target);
      row[`${client} server CPU µs/msg`] = taken ? fmt(median(taken.cpu)) : 'n/a';
    }
    table[target] = row;
  }
  console.log(`\nmedian of ${ROUNDS} runs per cell (10 smtp-source sessions with -d; 5 pooled nodemailer connections; to ${RECIPIENT}).`);
  console.log('msg/s: accepted messages over the client\'s wall time; CPU: the target\'s process until idle again, the lab\'s relay hop included.');
  console.table(table);
  for (const [client, byTarget] of results) {
    const kept = byTarget.get('lab')?.rates ?? [];
    const ratio = median(kept.map((rate, round) => rate / (byTarget.get('lab in memory only')?.rates[round] ?? NaN)));
    console.log(`${client}: intake with persistence (SQLite) / in memory only: ${ratioText(ratio)}`);
  }
  for (const [client, byTarget] of results) {
    const lab = byTarget.get('lab');
    if (!lab) continue;
    const drain = median(lab.drain);
    const sustained = median(lab.rates.map((rate, round) => {
      const seconds = lab.seconds[round] ?? NaN;
      return (rate * seconds) / (seconds + (lab.drain[round] ?? NaN));
    }));
    console.log(
      `${client} -> lab: the relay held back during the burst and carried every message on to its mailbox ${fmt1(drain)} s after the client's last one; ` +
        `counting that, the lab took and relayed ${fmt(sustained)} msg/s. ` +
        `Its CPU while the client ran: ${fmt(median(lab.intakeCpu))} µs/msg (the rest of the CPU figure above is relaying).`,
    );
  }
  for (const [client, byTarget] of results) {
    const lab = byTarget.get('lab')?.rates ?? [];
    const ratio = (other: TargetName) => median(lab.map((value, round) => value / (byTarget.get(other)?.rates[round] ?? NaN)));
    const vsBare = ratio('bare smtp-server');
    const vsMailDev = ratio('MailDev');
    const goals = client === 'smtp-source';
    console.log(
      `${client}: lab/bare ${ratioText(vsBare)}${goals ? ` (goal >= 0.5: ${verdict(vsBare >= 0.5)})` : ''}, ` +
        `lab/MailDev ${ratioText(vsMailDev)}${goals ? ` (goal >= 3: ${verdict(vsMailDev >= 3)})` : ''}`,
    );
  }
}

/** The figures only count if the lab really kept what it took: messages listed, lines recorded. */
async function checkLabRecord(webUrl: string): Promise<void> {
  const messages = (await (await fetch(new URL('/api/messages', webUrl))).json()) as Array<{ subject: string; from: string }>;
  const conversations = (await (await fetch(new URL('/api/conversations', webUrl))).json()) as Array<{ lines: unknown[] }>;
  const lines = conversations.reduce((sum, conversation) => sum + conversation.lines.length, 0);
  const last = messages.at(-1);
  console.log(
    `lab record afterwards: ${messages.length} messages listed (the newest kept), last From "${last?.from ?? ''}" Subject "${last?.subject ?? ''}"; ` +
      `${conversations.length} conversations holding ${lines} lines (bounded per conversation)`,
  );
}

const fmt1 = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const fmt = (value: number) => (Number.isFinite(value) ? String(Math.round(value)) : 'failed');
const ratioText = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const verdict = (met: boolean) => (met ? 'PASS' : 'FAIL');
