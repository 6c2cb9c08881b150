/**
 * `npm run bench -- --intake --profile [--before <revision>]`: where the lab's CPU goes for each
 * message it takes in, by stage. The bridge samples itself with V8's profiler during one
 * smtp-source run (after a warm-up, before the relay's catch-up) and every sample is put in the
 * stage of the innermost lab frame on its stack: framing (the tap's line reading and socket
 * pairs), recording (the conversation record), session tracking (core's session tracker), the
 * store (keeping the message), smtp-server's own work, and what runs with no lab code on the
 * stack (sockets, streams, timers) or in the garbage collector. With `--before`, that revision's
 * bridge is profiled the same way and the stages are printed side by side.
 *
 * `npm run bench -- --relay-reuse --profile [--before <revision>]` profiles taking and relaying
 * the same way (PARTS.relay): the span runs from the client's first message to the last one filed
 * in its mailbox, the main thread's samples go to the relay's stages (taps and recording, the
 * hosts' smtp-server, TLS, posting to the workers, the mailbox store), and the other threads (the
 * pool's signing and checking workers) are counted from their own CPU time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bridge/app-build';
import { cpuSecondsOf, type BridgeProcess } from './bridge-process';
import { RECIPIENT, relayDrained, settle } from './delivery-throughput';
import type { ProfilerCommand, ProfilerReport } from './profiled-bridge';
import { checkOutRevision, describeCheckout } from './revision-checkout';
import { manualSteps, obtainSmtpSource, runSmtpSource, type SmtpSource } from './smtp-source';

const WARM_UP = 2_000;
const MESSAGES = Number(process.env.BENCH_PROFILE_MESSAGES ?? 10_000);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface Stage {
  name: string;
  files: RegExp;
  /** Native leaves that belong to this stage whoever called them. */
  leaves?: RegExp;
}

/** Intake stages in the order they are printed; a frame belongs to the first whose pattern its URL matches. */
export const STAGES: readonly Stage[] = [
  { name: 'framing (tap: lines, loopback pairs, TLS)', files: /\/bridge\/tap\// },
  { name: 'session tracking (core tracker)', files: /\/core\/(machines|smtp)\// },
  { name: 'recording (conversation record, events)', files: /\/bridge\/lab\/(conversations|bounded-records)\.ts|\/bridge\/web\/|\/core\/wire/ },
  { name: 'store (keeping the message)', files: /\/bridge\/lab\/(message-store|read-message|message-headers|header-reader|lab-budget|smtp-server|lab-servers)\.ts/ },
  { name: 'other lab code', files: /\/(bridge|core)\/(?!world\/|outbound\/)/ },
  { name: 'relay (after the 250, not intake)', files: /\/bridge\/(world|outbound)\/|node_modules\/(nodemailer|mailauth)\// },
  { name: 'smtp-server (its own parsing and replies)', files: /node_modules\/smtp-server\// },
];

/**
 * The relay's stages on the main thread, taking in and relaying together. TLS comes first so that
 * Node's TLS code counts as TLS whoever called it (the taps terminate it, the relay and the hosts
 * speak it over in-memory pairs); posting covers both ways of the workers' messages, structured
 * clone included (Node's message port code).
 */
export const RELAY_STAGES: readonly Stage[] = [
  // readBuffer: bytes fed into a TLS socket over an in-memory stream, decrypted there and then.
  { name: 'TLS (taps, relay and hosts over in-memory pairs)', files: /^node:(_tls_wrap|tls|_tls_common)$|\/bridge\/tap\/(tls-termination|tls-records|secure-contexts)\.ts/, leaves: /^readBuffer$/ },
  { name: 'posting to the workers and back (structured clone)', files: /\/bridge\/world\/(work-pool|mail-auth-service)\.ts|^node:internal\/(worker|per_context\/messageport)/ },
  { name: 'DKIM signing and checks on this thread', files: /node_modules\/mailauth\/|\/bridge\/world\/(mail-auth|mailauth-loader)\.ts/ },
  { name: 'taps and recording (lines, session tracking, conversation record)', files: /\/bridge\/tap\/|\/core\/(machines|smtp|wire)|\/bridge\/lab\/(conversations|bounded-records)\.ts|\/bridge\/web\// },
  { name: 'mailbox store and the intake store', files: /\/bridge\/world\/mailboxes\.ts|\/bridge\/lab\/(message-store|read-message|message-headers|header-reader|received-header|lab-budget)\.ts/ },
  { name: "smtp-server (the lab's intake and the hosts')", files: /node_modules\/smtp-server\/|\/bridge\/world\/mail-host\.ts|\/bridge\/lab\/(smtp-server|smtp-conduct|own-enhanced-codes|lab-servers)\.ts/ },
  { name: 'relay client (nodemailer, queue, sessions)', files: /node_modules\/nodemailer\/|\/bridge\/(world|outbound)\// },
  { name: 'other lab code', files: /\/(bridge|core)\// },
];

/** The profiler's own work (stopping it, collecting the samples): left out. */
const PROFILER = { name: 'the profiler itself', files: /\/bench\/profiled-bridge\.ts/ };
/**
 * Samples inside a socket write are the kernel's send path, and on a busy machine mostly the
 * thread waiting to run again after waking the peer: wall time, far more than the CPU it costs.
 * They are counted apart, and the kernel's part is given as the measured system time instead.
 */
const KERNEL = 'kernel: socket reads and writes, waking the client (measured system time)';
const SOCKET_WRITE = /^(writeBuffer|writev|write(Utf8|Latin1|Ascii|Ucs2)String)$/;
/**
 * The same holds for posting to a worker: it wakes the worker, which often takes this thread's core
 * at once, and the sample stays in postMessage meanwhile (a post costs about 15 µs of CPU alone,
 * the profile showed 300 µs a message). Counted apart, as wall time, and left out of the shares.
 */
const WAKING_A_WORKER = 'postMessage';
const WAKE = 'waking a worker (postMessage; wall time, not shared out)';
const NO_LAB_FRAME = 'sockets, streams, timers (Node; no lab code on the stack)';
const GC = 'garbage collection';
/** Threads started with the mail: the pool's workers (DKIM signing, SPF/DKIM/DMARC checks), and libuv's. */
const OTHER_THREADS = 'worker threads: DKIM signing and SPF/DKIM/DMARC checks';
/** Threads there from start-up: V8's platform threads, which compile hot code and help the garbage collector. */
const V8_HELPERS = "V8's helper threads: optimising compiler, concurrent GC";
/** The stages that are the lab's own work on the wire, apart from smtp-server, Node and the kernel. */
const LAB_STAGES = new Set<string>(STAGES.slice(0, 4).map((stage) => stage.name));
const INTAKE_EXCLUDES = 'relay (after the 250, not intake)';

export interface StageProfile {
  label: string;
  messages: number;
  /**
   * CPU µs per message by stage: the process's user CPU per message shared out as the main
   * thread's samples fell (samples count wall time, which a busy machine stretches; the shares
   * hold), and the kernel's system time as measured.
   */
  stages: Map<string, number>;
  /** The same for the functions within each stage. */
  leaves: Map<string, Map<string, number>>;
  /** The whole process's CPU (every thread) per message over the same span, profiler included. */
  cpuPerMessage: number;
  /** The share of the main thread's samples inside socket writes (wall time: waking the client, and waiting to run again). */
  writeShare: number;
  /** The profiler's own sampling thread, CPU µs per message: left out of the stages. */
  profilerPerMessage: number;
  /** The same for posting to the workers (waking them). */
  wakeShare: number;
  messagesPerSecond: number;
  /** Seconds the client took, and (taking and relaying) the seconds the relay took after its last message. */
  sending: number;
  catchUp: number;
  /** The busiest threads besides the main one, CPU µs per message (the pool's workers among them). */
  busiest: number[];
  /** The machine's one-minute load average when the run ended: the figures beside it depend on it. */
  loadAverage: number;
}

interface Attributed {
  /** Sampled busy time by stage, in µs. */
  stages: Map<string, number>;
  /** Per stage, sampled time by the function the sample was in (its leaf) and the lab function that led there. */
  leaves: Map<string, Map<string, number>>;
}

/** Sampled busy time by stage, in µs: each sample goes to the innermost lab frame on its stack. */
export function stagesOf(profile: CpuProfile, table: readonly Stage[] = STAGES): Attributed {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  /** The innermost lab frame at or above a node: its stage and a name for it. */
  const labFrameOfNode = new Map<number, { stage: string; frame: string } | null>();
  const labFrameOf = (id: number): { stage: string; frame: string } | null => {
    const known = labFrameOfNode.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    const url = frame?.url ?? '';
    const stage = url ? [PROFILER, ...table].find((each) => each.files.test(url))?.name : undefined;
    const parentId = parent.get(id);
    const found = stage ? { stage, frame: `${frame?.functionName || '(anonymous)'} ${url.replace(/^.*?\/(bridge|core|node_modules)\//, '$1/')}` } : parentId === undefined ? null : labFrameOf(parentId);
    labFrameOfNode.set(id, found);
    return found;
  };
  const stages = new Map<string, number>();
  const leaves = new Map<string, Map<string, number>>();
  profile.samples.forEach((id, index) => {
    const leaf = byId.get(id)?.callFrame;
    const name = leaf?.functionName ?? '';
    if (name === '(idle)' || name === '(program)') return;
    const lab = name === '(garbage collector)' ? null : labFrameOf(id);
    const byLeafName = table.find((each) => each.leaves?.test(name))?.name;
    const stage = name === '(garbage collector)' ? GC : SOCKET_WRITE.test(name) ? KERNEL : name === WAKING_A_WORKER ? WAKE : (byLeafName ?? lab?.stage ?? NO_LAB_FRAME);
    if (stage === PROFILER.name || lab?.stage === PROFILER.name) return;
    const delta = profile.timeDeltas[index] ?? 0;
    stages.set(stage, (stages.get(stage) ?? 0) + delta);
    const where = `${name || '(anonymous)'}${lab && !lab.frame.startsWith(`${name} `) ? ` under ${lab.frame}` : ''}`;
    const byLeaf = leaves.get(stage) ?? new Map<string, number>();
    byLeaf.set(where, (byLeaf.get(where) ?? 0) + delta);
    leaves.set(stage, byLeaf);
  });
  return { stages, leaves };
}

/** A bridge of `root` that profiles itself on request (profiled-bridge.ts). */
type Stopped = Omit<Extract<ProfilerReport, { type: 'stopped' }>, 'type'>;

async function startProfiledBridge(root: string): Promise<BridgeProcess & { profile(file: string, during: () => Promise<void>): Promise<Stopped> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-bench-'));
  const child: ChildProcess = fork(join(PROJECT_ROOT, 'bench', 'profiled-bridge.ts'), [root, stateDir], {
    cwd: root === 'bare' ? PROJECT_ROOT : root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = (type: ProfilerReport['type']) =>
    new Promise<ProfilerReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the profiled bridge did not report "${type}" within 60 s`)), 60_000);
      const heard = (message: ProfilerReport) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', heard);
        resolve(message);
      };
      child.on('message', heard);
      child.once('exit', (code) => reject(new Error(`the profiled bridge exited with ${code}`)));
    });
  const send = (command: ProfilerCommand) => child.send(command);
  const listening = await next('listening');
  if (listening.type !== 'listening') throw new Error('unexpected report');
  return {
    webUrl: listening.webUrl,
    smtp: { host: '127.0.0.1', port: listening.smtpPort },
    cpuSeconds: () => cpuSecondsOf(child.pid),
    async profile(file, during) {
      const started = next('started');
      send({ type: 'start' });
      await started;
      await during();
      const stopped = next('stopped');
      send({ type: 'stop', file });
      const report = await stopped;
      return report.type === 'stopped' ? report : { cpuMicros: NaN, systemMicros: NaN, main: null, others: [], helpers: 0, profiler: 0 };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** What one profile measures: the intake alone, or taking in and relaying to the mailbox. */
interface ProfiledPart {
  title: string;
  stages: readonly Stage[];
  warmUp: number;
  messages: number;
  /** The profiled span runs on until the relay has filed the last message (taking and relaying). */
  relayed: boolean;
  /** Stages left out of the total (for the intake: the relay, and the workers that sign and check for it). */
  excludes: ReadonlySet<string>;
  total: string;
  /** The lab's own stages on the wire, for the line naming the largest of them. */
  labStages: ReadonlySet<string>;
}

const PARTS = {
  intake: {
    title: 'Intake profile',
    stages: STAGES,
    warmUp: WARM_UP,
    messages: MESSAGES,
    relayed: false,
    excludes: new Set([INTAKE_EXCLUDES, OTHER_THREADS]),
    total: 'taking in: all but the relay',
    labStages: LAB_STAGES,
  },
  relay: {
    title: 'Relay profile',
    stages: RELAY_STAGES,
    warmUp: 1_000,
    messages: Number(process.env.BENCH_PROFILE_MESSAGES ?? 2_000),
    relayed: true,
    excludes: new Set<string>(),
    total: 'taking in and relaying, every thread',
    labStages: new Set(RELAY_STAGES.slice(0, 6).map((stage) => stage.name)),
  },
} satisfies Record<string, ProfiledPart>;

async function profileCheckout(part: ProfiledPart, label: string, root: string, source: SmtpSource, dir: string): Promise<StageProfile> {
  const bridge = await startProfiledBridge(root);
  try {
    const load = (messages: number) => runSmtpSource(source, { port: bridge.smtp.port, sessions: 10, size: 1024, messages, to: RECIPIENT, timeoutMs: 120_000 });
    // A bare smtp-server has no relay to wait for.
    const drained = () => (bridge.webUrl ? relayDrained(bridge.webUrl) : Promise.resolve(0));
    await load(part.warmUp);
    await drained();
    await settle(bridge);
    const file = join(dir, `${label.replace(/\W+/g, '-')}.cpuprofile`);
    let sending = NaN;
    let catchUp = 0;
    const { cpuMicros, systemMicros, main, others, helpers, profiler } = await bridge.profile(file, async () => {
      sending = await load(part.messages);
      if (part.relayed) catchUp = await drained();
    });
    const seconds = sending + catchUp;
    const messages = part.messages;
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    const sampled = stagesOf(profile, part.stages);
    // The main thread's user CPU shared out as the samples outside socket writes fell, its kernel
    // part as measured, and the other threads' CPU apart. Without per-thread times (no /proc), the
    // whole process's.
    const user = main ? main.userMicros : cpuMicros - systemMicros;
    const kernel = main ? main.systemMicros : systemMicros;
    const userSampled = [...sampled.stages].reduce((sum, [stage, micros]) => sum + (stage === KERNEL || stage === WAKE ? 0 : micros), 0);
    const share = (micros: number) => (micros / userSampled) * (user / messages);
    const stages = new Map([...sampled.stages].filter(([stage]) => stage !== WAKE).map(([stage, micros]) => [stage, stage === KERNEL ? kernel / messages : share(micros)]));
    if (main) {
      stages.set(OTHER_THREADS, (cpuMicros - main.userMicros - main.systemMicros - helpers - profiler) / messages);
      stages.set(V8_HELPERS, helpers / messages);
    }
    const leaves = new Map([...sampled.leaves].filter(([stage]) => stage !== KERNEL && stage !== WAKE).map(([stage, byLeaf]) => [stage, new Map([...byLeaf].map(([leaf, micros]) => [leaf, share(micros)]))]));
    const wall = [...sampled.stages.values()].reduce((sum, micros) => sum + micros, 0);
    const writeShare = (sampled.stages.get(KERNEL) ?? 0) / wall;
    const wakeShare = (sampled.stages.get(WAKE) ?? 0) / wall;
    if (!part.relayed) await drained();
    const busiest = others.slice(0, 3).map((micros) => Math.round(micros / messages));
    return { label, messages, stages, leaves, cpuPerMessage: cpuMicros / messages, writeShare, wakeShare, profilerPerMessage: profiler / messages, messagesPerSecond: messages / seconds, sending, catchUp, busiest, loadAverage: loadavg()[0] ?? NaN };
  } finally {
    await bridge.stop();
  }
}

export const measureIntakeProfile = (before: string | null) => measureProfile(PARTS.intake, before);
export const measureRelayProfile = (before: string | null) => measureProfile(PARTS.relay, before);

async function measureProfile(part: ProfiledPart, before: string | null): Promise<void> {
  const source = await obtainSmtpSource();
  if ('missing' in source) {
    console.log(`\n${part.title} skipped: smtp-source is missing (${source.missing}). To fetch it by hand (as root):\n${manualSteps()}`);
    return;
  }
  const span = part.relayed ? `to ${RECIPIENT}, from the first message sent to the last one filed in its mailbox` : 'into the lab';
  console.log(`\n${part.title}: ${part.messages} messages of 1 KB from smtp-source (10 sessions, -d) ${span}, after a ${part.warmUp}-message warm-up;`);
  console.log("the bridge's main thread sampled by V8 over exactly that run; each sample goes to the innermost lab frame on its stack.");
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lab-profile-'));
  const checkout = before ? await checkOutRevision(before, '--before') : null;
  try {
    const profiles: StageProfile[] = [];
    if (checkout) profiles.push(await profileCheckout(part, `before: ${checkout.label}`, checkout.root, source, dir));
    profiles.push(await profileCheckout(part, `this checkout (${await describeCheckout()})`, PROJECT_ROOT, source, dir));
    if (!part.relayed) profiles.push(await profileCheckout(part, 'bare smtp-server', 'bare', source, dir));
    printProfiles(part, profiles);
  } finally {
    await checkout?.remove();
    // BENCH_PROFILE_KEEP=1 keeps the .cpuprofile files (Chrome DevTools opens them) for a closer look.
    if (process.env.BENCH_PROFILE_KEEP) console.log(`profiles kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

function printProfiles(part: ProfiledPart, profiles: StageProfile[]): void {
  const names = [...part.stages.map((stage) => stage.name), NO_LAB_FRAME, GC, KERNEL, OTHER_THREADS, V8_HELPERS];
  const table: Record<string, Record<string, string>> = {};
  const total = (profile: StageProfile) => [...profile.stages].reduce((sum, [stage, micros]) => sum + (part.excludes.has(stage) ? 0 : micros), 0);
  const row = (figure: (profile: StageProfile) => string) => Object.fromEntries(profiles.map((profile) => [`${profile.label} µs/msg`, figure(profile)]));
  for (const name of names) table[name] = row((profile) => fmt(profile.stages.get(name) ?? 0));
  table[part.total] = row((profile) => fmt(total(profile)));
  table['whole process CPU (every thread, profiler included)'] = row((profile) => fmt(profile.cpuPerMessage));
  table["the profiler's own sampling thread (left out above)"] = row((profile) => fmt(profile.profilerPerMessage));
  table['main thread wall time inside socket writes (waking the client, waiting to run again)'] = row((profile) => `${Math.round(profile.writeShare * 100)} %`);
  if (part.relayed) {
    table['main thread wall time inside postMessage (waking a worker)'] = row((profile) => `${Math.round(profile.wakeShare * 100)} %`);
    table["seconds: the client's run + the relay's catch-up after it"] = row((profile) => `${profile.sending.toFixed(2)} + ${profile.catchUp.toFixed(2)}`);
  }
  table['busiest other threads, µs/msg'] = row((profile) => profile.busiest.join(', ') || 'n/a');
  table['msg/s while profiled'] = row((profile) => fmt(profile.messagesPerSecond));
  table['load average (1 min) at the end'] = row((profile) => profile.loadAverage.toFixed(2));
  console.table(table);
  const latest = profiles.find((profile) => profile.label.startsWith('this checkout'));
  if (!latest) return;
  const ranked = [...latest.stages].filter(([stage]) => !part.excludes.has(stage)).sort((a, b) => b[1] - a[1]);
  const largest = ranked[0];
  if (!largest) return;
  const percent = (micros: number) => `${Math.round((micros / total(latest)) * 100)} %`;
  console.log(`largest stage now: ${largest[0]}, ${fmt(largest[1])} µs of ${fmt(total(latest))} µs a message (${percent(largest[1])}).`);
  const lab = ranked.find(([stage]) => part.labStages.has(stage));
  if (lab) console.log(`largest of the lab's own stages: ${lab[0]}, ${fmt(lab[1])} µs (${percent(lab[1])}).`);
  console.log('Where the time goes within each stage of 20 µs or more a message (the function a sample was in, under the lab function that led there):');
  for (const [stage, micros] of [...latest.stages].sort((a, b) => b[1] - a[1])) {
    if (micros < 20) continue;
    console.log(`  ${stage}: ${fmt(micros)} µs/msg`);
    const within = [...(latest.leaves.get(stage) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, stage === largest[0] ? 10 : 5);
    for (const [leaf, each] of within) console.log(`    ${fmt(each).padStart(5)}  ${leaf}`);
  }
}

const fmt = (value: number) => (Number.isFinite(value) ? String(Math.round(value)) : 'n/a');
