/**
 * The class scenario: a hosted bridge in its own process holding many labs at once, each lab a
 * WebSocket client of its own on loopback that types lesson 2's conversation in the terminal
 * (EHLO, MAIL FROM, RCPT TO, DATA, a small message, QUIT) line by line, as a learner does.
 *
 * Measured in one run: the labs held; the bridge's memory per idle lab (one open WebSocket and
 * nothing else) and per active lab (after its conversation, holding the conversation record and
 * the message, relayed into alice@example.test's mailbox); the command round trip at a steady
 * rate across the class, and at rates stepped up until p99 passes 50 ms.
 *
 * A round trip is from sending a `terminal.line` to the first server line of its reply arriving as
 * a `wire` event (for EHLO that is the first `250-` line, not the last). Lines typed inside DATA get
 * no reply of their own: they count as commands sent but give no round trip.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { ClassBridgeReply, ClassBridgeRequest, ClassBridgeStats } from './class-bridge';
import { percentile } from './stats';

export interface ClassOptions {
  labs: number;
  /** Aggregate commands a second for the goal, then each step up until p99 passes `kneeMs`. */
  goalRate: number;
  goalSeconds: number;
  steps: number[];
  stepSeconds: number;
  warmSeconds: number;
  kneeMs: number;
}

const DEFAULTS: ClassOptions = {
  labs: 1_000,
  goalRate: 200,
  goalSeconds: 12,
  steps: [400, 800, 1_600, 3_200, 6_400],
  stepSeconds: 8,
  warmSeconds: 2,
  kneeMs: 50,
};

const GOALS = { labs: 1_000, idleBytesPerLab: 200 * 1024, p99Ms: 20, rate: 200 };
/** How long after the last conversation of the active phase each lab's mail may take to arrive. */
const DELIVERY_WAIT_MS = 20_000;
/** A reply this late counts as lost. */
const REPLY_TIMEOUT_MS = 10_000;

interface Line {
  text: string;
  /** The reply code it should get; absent for lines inside DATA, which get none. */
  reply?: number;
}

/** Lesson 2's solution (lessons/02-first-transaction.md), one terminal.line per line. */
const SCRIPT: Line[] = [
  { text: 'EHLO learner.test', reply: 250 },
  { text: 'MAIL FROM:<learner@lab.test>', reply: 250 },
  { text: 'RCPT TO:<alice@example.test>', reply: 250 },
  { text: 'DATA', reply: 354 },
  { text: 'From: learner@lab.test' },
  { text: 'To: alice@example.test' },
  { text: 'Subject: My first email by hand' },
  { text: '' },
  { text: 'Hello Alice, I typed this one line at a time.' },
  { text: '.', reply: 250 },
  { text: 'QUIT', reply: 221 },
];
const QUIT_STEP = SCRIPT.length - 1;
const ANSWERED_PER_CONVERSATION = SCRIPT.filter((line) => line.reply).length;

type LabState = 'connecting' | 'idle' | 'opening' | 'greeting' | 'ready' | 'waiting' | 'ended' | 'closed';

/** Round trips of one phase: all of them, and by script line. */
interface Samples {
  all: number[];
  byLine: number[][];
}

interface LabClient {
  index: number;
  socket: WebSocket;
  state: LabState;
  conversation: string;
  step: number;
  sentAt: number;
  answered: boolean;
  /** Where this command's round trip goes (the phase it was sent in); null: not recorded. */
  samples: Samples | null;
  /** Mail stored in a mailbox of this lab's world. */
  stored: number;
  conversationsDone: number;
}

/** Counts of what went wrong, by kind, across the run. */
class Problems {
  readonly counts = new Map<string, number>();
  add(kind: string, by = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + by);
  }
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }
  since(before: Map<string, number>): number {
    let sum = 0;
    for (const [kind, value] of this.counts) sum += value - (before.get(kind) ?? 0);
    return sum;
  }
}

/**
 * A process that does nothing but time its own event loop: what it sees is the machine's
 * scheduling noise alone, to read the bridge's and the client's loop delays against.
 */
class NoiseCanary {
  readonly #child: ChildProcess;
  #waiting: ((value: { p99: number; max: number }) => void) | null = null;

  constructor() {
    const code = `
      const { monitorEventLoopDelay } = require('node:perf_hooks');
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      process.on('message', (question) => {
        if (question === 'reset') delay.reset();
        process.send({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
      });
      process.on('disconnect', () => process.exit(0));`;
    this.#child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (value: { p99: number; max: number }) => {
      this.#waiting?.(value);
      this.#waiting = null;
    });
  }

  #ask(question: 'reset' | 'read'): Promise<{ p99: number; max: number }> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#child.send(question);
    });
  }

  async reset(): Promise<void> {
    await this.#ask('reset');
  }

  read(): Promise<{ p99: number; max: number }> {
    return this.#ask('read');
  }

  stop(): void {
    if (this.#child.connected) this.#child.disconnect();
  }
}

/** What the driver asks the bridge process (the id is added on the way). */
type Question = { type: 'stats'; gc: boolean } | { type: 'reset' } | { type: 'stop' };

/** The bridge process: hosted mode, --expose-gc, answering over IPC. */
class BridgeChild {
  #next = 1;
  #pending = new Map<number, (reply: ClassBridgeReply) => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly webUrl: string,
    /** Its log lines (stderr): warnings and errors only, as SMTP_LAB_LOG=quiet. */
    readonly logLines: string[],
  ) {
    child.on('message', (reply: ClassBridgeReply) => {
      if (reply.type === 'ready') return;
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
  }

  static async start(maxLabs: number): Promise<BridgeChild> {
    const child = fork(fileURLToPath(new URL('./class-bridge.ts', import.meta.url)), [], {
      // CLASS_BRIDGE_NODE_ARGS adds node options to the bridge, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: ['--expose-gc', '--import', 'tsx', ...(process.env.CLASS_BRIDGE_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
      env: { ...process.env, SMTP_LAB_LOG: 'quiet', CLASS_MAX_LABS: String(maxLabs) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const logLines: string[] = [];
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      logLines.push(...lines.filter((line) => line.trim() !== ''));
    });
    const webUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the class bridge did not start within 30 s')), 30_000);
      child.on('message', (reply: ClassBridgeReply) => {
        if (reply.type !== 'ready') return;
        clearTimeout(timer);
        resolve(reply.webUrl);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the class bridge exited with ${code} before it was ready:\n${logLines.join('\n')}`));
      });
    });
    return new BridgeChild(child, webUrl, logLines);
  }

  #ask(question: Question): Promise<ClassBridgeReply> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the class bridge did not answer ${question.type}`)), 30_000);
      this.#pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ ...question, id } satisfies ClassBridgeRequest);
    });
  }

  async stats(gc: boolean): Promise<ClassBridgeStats> {
    const reply = await this.#ask({ type: 'stats', gc });
    if (reply.type !== 'stats') throw new Error('unexpected reply');
    return reply.stats;
  }

  async reset(): Promise<void> {
    await this.#ask({ type: 'reset' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.#ask({ type: 'stop' }).catch(() => this.child.kill('SIGKILL'));
    await exited;
    clearTimeout(timer);
  }
}

/** The class: one WebSocket client per lab, driven either script by script or at a set rate. */
class Classroom {
  readonly labs: LabClient[] = [];
  readonly problems = new Problems();
  readonly ready = new Set<LabClient>();
  commandsSent = 0;
  /** Messages the pages have received from the bridge. */
  received = 0;
  /** 'script': each lab types its next line as soon as it may; 'rate': the scheduler decides. */
  mode: 'script' | 'rate' | 'hold' = 'hold';
  samples: Samples | null = null;
  #onEnded: ((lab: LabClient) => void) | null = null;
  #stopAt: (lab: LabClient) => number = () => Infinity;

  constructor(readonly webUrl: string) {}

  /** A lab for a browser without a cookie: the upgrade makes one and the 101 carries its cookie. */
  connect(index: number): Promise<LabClient> {
    const url = new URL('/ws', this.webUrl.replace(/^http/, 'ws'));
    const socket = new WebSocket(url, { headers: { origin: new URL(this.webUrl).origin }, perMessageDeflate: false });
    const lab: LabClient = { index, socket, state: 'connecting', conversation: '', step: 0, sentAt: 0, answered: false, samples: null, stored: 0, conversationsDone: 0 };
    this.labs.push(lab);
    return new Promise((resolve, reject) => {
      let cookie = false;
      socket.once('upgrade', (response) => (cookie = String(response.headers['set-cookie'] ?? '').includes('smtplab_lab=')));
      socket.on('message', (data) => {
        this.received++;
        const text = String(data);
        if (lab.state === 'connecting' && text.startsWith('{"type":"welcome"')) {
          lab.state = 'idle';
          if (!cookie) this.problems.add('upgrade without a lab cookie');
          resolve(lab);
          return;
        }
        this.#receive(lab, text);
      });
      socket.once('unexpected-response', (_request, response) => reject(new Error(`lab ${index}: upgrade refused with ${response.statusCode}`)));
      socket.once('error', (error) => {
        if (lab.state === 'connecting') reject(error);
        else this.problems.add(`WebSocket error: ${error.message}`);
      });
      socket.once('close', (code, reason) => {
        if (lab.state !== 'closed' && lab.state !== 'connecting') this.problems.add(`WebSocket closed by the bridge (${code} ${String(reason)})`);
        lab.state = 'closed';
        this.ready.delete(lab);
      });
    });
  }

  /** Opens a terminal; the lab is ready once the 220 greeting has arrived. */
  open(lab: LabClient): void {
    if (lab.state === 'closed') return;
    lab.state = 'opening';
    lab.step = 0;
    this.#send(lab, { type: 'terminal.open', ref: 'open' });
  }

  /**
   * Runs one conversation on every lab, `concurrency` at a time, typing each line as soon as the
   * last is answered; resolves when each has ended, or with `stopAt`, when each lab has typed
   * that many lines of a conversation it keeps open.
   */
  async runScripts(concurrency: number, stopAt: (lab: LabClient) => number = () => Infinity): Promise<void> {
    this.mode = 'script';
    this.#stopAt = stopAt;
    let next = 0;
    await new Promise<void>((resolve) => {
      let active = 0;
      const start = () => {
        while (active < concurrency && next < this.labs.length) {
          const lab = this.labs[next++];
          if (!lab || lab.state === 'closed') continue;
          active++;
          this.open(lab);
        }
        if (active === 0 && next >= this.labs.length) resolve();
      };
      this.#onEnded = () => {
        active--;
        start();
      };
      start();
    });
    this.#onEnded = null;
    this.#stopAt = () => Infinity;
    this.mode = 'hold';
  }

  /**
   * Sends `rate` terminal lines a second across the class, each to the lab whose turn it is of
   * those ready (round robin), for `seconds`. Open loop: the schedule does not wait for replies.
   */
  async drive(rate: number, seconds: number, samples: Samples | null): Promise<{ offered: number; sent: number; missed: number }> {
    this.mode = 'rate';
    this.samples = samples;
    this.#onEnded = (lab) => this.open(lab); // a new conversation at once, as a learner starts over
    for (const lab of this.labs) {
      if (lab.state === 'idle' || lab.state === 'ended') this.open(lab);
      else if (lab.state === 'ready') this.ready.add(lab);
    }
    const started = performance.now();
    const end = started + seconds * 1000;
    let due = 0;
    let sent = 0;
    let missed = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        const target = Math.floor(((Math.min(now, end) - started) / 1000) * rate);
        while (due < target) {
          due++;
          const lab = this.ready.values().next().value;
          if (!lab) {
            missed++;
            continue;
          }
          this.ready.delete(lab);
          this.#sendLine(lab);
          sent++;
        }
        if (now >= end) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    return { offered: due, sent, missed };
  }

  /** Stops scheduling; waits for the replies still on their way (up to `ms`). */
  async settle(ms: number): Promise<number> {
    this.mode = 'hold';
    this.#onEnded = null;
    const until = performance.now() + ms;
    const waiting = () => this.labs.filter((lab) => lab.state === 'waiting' || lab.state === 'opening' || lab.state === 'greeting').length;
    while (waiting() > 0 && performance.now() < until) await sleep(50);
    return waiting();
  }

  /** Replies overdue by REPLY_TIMEOUT_MS count as lost; the lab starts a new conversation. */
  watch(): NodeJS.Timeout {
    const timer = setInterval(() => {
      const now = performance.now();
      for (const lab of this.labs) {
        if ((lab.state === 'waiting' || lab.state === 'greeting' || lab.state === 'opening') && now - lab.sentAt > REPLY_TIMEOUT_MS) {
          this.problems.add(lab.state === 'waiting' ? `no reply to ${verb(SCRIPT[lab.step]?.text)} within ${REPLY_TIMEOUT_MS / 1000} s` : `no terminal/greeting within ${REPLY_TIMEOUT_MS / 1000} s`);
          if (lab.conversation) this.#send(lab, { type: 'terminal.close', conversation: lab.conversation });
          this.#ended(lab);
        }
      }
    }, 1_000);
    timer.unref();
    return timer;
  }

  close(): void {
    for (const lab of this.labs) {
      lab.state = 'closed';
      lab.socket.terminate();
    }
  }

  #send(lab: LabClient, message: object): void {
    if (lab.socket.readyState !== WebSocket.OPEN) return;
    lab.sentAt = performance.now();
    lab.socket.send(JSON.stringify(message));
  }

  #sendLine(lab: LabClient): void {
    const line = SCRIPT[lab.step];
    if (!line) return;
    this.#send(lab, { type: 'terminal.line', conversation: lab.conversation, text: line.text });
    this.commandsSent++;
    if (line.reply) {
      lab.state = 'waiting';
      lab.answered = false;
      lab.samples = this.samples;
    } else {
      lab.step++;
      this.#becomeReady(lab);
    }
  }

  #becomeReady(lab: LabClient): void {
    lab.state = 'ready';
    if (this.mode === 'rate') {
      this.ready.add(lab);
      return;
    }
    if (this.mode !== 'script') return;
    if (lab.step >= this.#stopAt(lab)) this.#onEnded?.(lab);
    else this.#sendLine(lab);
  }

  #ended(lab: LabClient): void {
    this.ready.delete(lab);
    lab.state = 'ended';
    lab.conversation = '';
    lab.conversationsDone++;
    this.#onEnded?.(lab);
  }

  #receive(lab: LabClient, text: string): void {
    if (text.startsWith('{"type":"wire"')) {
      if ((lab.state !== 'waiting' && lab.state !== 'greeting') || !text.includes(lab.conversation)) return;
      const { event } = JSON.parse(text) as { event: { conversation: string; dir: string; text: string } };
      if (event.conversation !== lab.conversation || event.dir !== 'server') return;
      this.#serverLine(lab, event.text);
      return;
    }
    if (text.startsWith('{"type":"world.event"')) {
      if (text.includes('"type":"stored"')) lab.stored++;
      return;
    }
    if (text.startsWith('{"type":"terminal.opened"')) {
      const { conversation } = JSON.parse(text) as { conversation: { id: string } };
      lab.conversation = conversation.id;
      lab.state = 'greeting';
      return;
    }
    if (text.startsWith('{"type":"conversation.ended"')) {
      const { id } = JSON.parse(text) as { id: string };
      if (id === lab.conversation && lab.state !== 'ended') {
        this.problems.add('terminal conversation ended by the bridge before QUIT');
        this.#ended(lab);
      }
      return;
    }
    if (text.startsWith('{"type":"error"')) {
      const { code, message } = JSON.parse(text) as { code: string; message: string };
      this.problems.add(`error ${code}: ${message.slice(0, 80)}`);
      if (lab.state === 'opening') {
        // No terminal (a limit): try again in a second.
        lab.state = 'ended';
        setTimeout(() => this.#onEnded?.(lab), 1_000).unref();
      } else if (lab.state === 'waiting') {
        this.#becomeReady(lab); // the line was not carried out: it goes again
      }
    }
  }

  #serverLine(lab: LabClient, line: string): void {
    const last = /^\d{3} /.test(line) || !/^\d{3}-/.test(line);
    if (lab.state === 'greeting') {
      if (!last) return;
      if (line.startsWith('220 ')) {
        lab.step = 0;
        this.#becomeReady(lab);
      } else {
        this.problems.add(`greeting ${line.slice(0, 60)}`);
        this.#ended(lab);
      }
      return;
    }
    if (!lab.answered) {
      lab.answered = true;
      const ms = performance.now() - lab.sentAt;
      lab.samples?.all.push(ms);
      lab.samples?.byLine[lab.step]?.push(ms);
    }
    if (!last) return;
    const expected = SCRIPT[lab.step];
    const code = Number(line.slice(0, 3));
    if (expected?.reply !== code) this.problems.add(`${verb(expected?.text)} answered ${line.slice(0, 60)}`);
    if (lab.step >= QUIT_STEP) {
      this.#ended(lab);
      return;
    }
    // A refused command ends the attempt: QUIT, then a new conversation.
    lab.step = expected?.reply === code ? lab.step + 1 : QUIT_STEP;
    this.#becomeReady(lab);
  }
}

function verb(text: string | undefined): string {
  return text === undefined ? '?' : text === '.' ? 'the lone dot' : (text.split(/[ :]/)[0] ?? text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Open files this process may have (the soft limit), from /proc; NaN where it is not there. */
function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    return Number(line?.split(/\s{2,}/)[1]);
  } catch {
    return NaN;
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const msText = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a');
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

interface StepResult {
  rate: number;
  offered: number;
  sent: number;
  missed: number;
  samples: Samples;
  problems: number;
  bridgeCpu: number;
  bridgeLoop: ClassBridgeStats['loopDelay'];
  clientLoopP99: number;
  idleLoop: { p99: number; max: number };
  /** WebSocket messages the pages received during the step. */
  received: number;
  pairs: ClassBridgeStats['pairs'];
}

function pairsText(pairs: ClassBridgeStats['pairs']): string {
  return `loopback pairs: ${pairs.made} made, at most ${pairs.mostAtOnce} at once, ${pairs.slow} slower than 1 s, ${pairs.failed} failed`;
}

export async function measureClass(overrides: Partial<ClassOptions> = {}): Promise<void> {
  const options: ClassOptions = { ...DEFAULTS, ...overrides };
  const { labs: count } = options;
  console.log(`\nClass load: a hosted bridge in its own process holding ${count} labs, each a WebSocket client on loopback`);
  console.log("typing lesson 2's conversation line by line (EHLO, MAIL FROM, RCPT TO alice@example.test, DATA, 5 message lines, QUIT).");

  // The bridge holds a WebSocket, and per open terminal two loopback sockets plus its hops; this process one socket per lab.
  const limit = openFileLimit();
  const needed = count * 4 + 200;
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores here: anything else running shifts the round trips)`);
  console.log(`open file limit ${Number.isFinite(limit) ? limit : 'unknown'} (the bridge needs about ${needed} at most)`);
  if (limit < needed) throw new Error(`raise the open file limit (ulimit -n ${needed}) for ${count} labs`);

  const bridge = await BridgeChild.start(count * 2);
  const classroom = new Classroom(bridge.webUrl);
  const watchdog = classroom.watch();
  const canary = new NoiseCanary();
  const clientLoop = monitorEventLoopDelay({ resolution: 5 });
  clientLoop.enable();
  const stop = () => {
    classroom.close();
    void bridge.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    const baseline = await bridge.stats(true);

    // 1. Labs held, and memory per idle lab: one open WebSocket each and nothing else.
    const connectStarted = performance.now();
    const connectTimes: number[] = [];
    let next = 0;
    const openOne = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const started = performance.now();
        await classroom.connect(index);
        connectTimes.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: 25 }, openOne));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await sleep(500);
    const idle = await bridge.stats(true);
    connectTimes.sort((a, b) => a - b);
    console.log(
      `${idle.labs} labs opened in ${connectSeconds.toFixed(1)} s (${(count / connectSeconds).toFixed(0)} a second; upgrade to welcome p50 ${msText(percentile(connectTimes, 50))}, p99 ${msText(percentile(connectTimes, 99))})`,
    );

    // 2. Memory per active lab: each has run its conversation and holds it, and the delivered mail.
    await bridge.reset();
    const cpuBeforeScripts = (await bridge.stats(false)).cpuSeconds;
    const receivedBeforeScripts = classroom.received;
    const scriptStarted = performance.now();
    const concurrency = 100;
    await classroom.runScripts(concurrency);
    const scriptSeconds = (performance.now() - scriptStarted) / 1000;
    const delivered = () => classroom.labs.filter((lab) => lab.stored > 0).length;
    const deliveredBy = performance.now() + DELIVERY_WAIT_MS;
    while (delivered() < count && performance.now() < deliveredBy) await sleep(200);
    const deliverySeconds = (performance.now() - scriptStarted) / 1000 - scriptSeconds;
    const storedLabs = delivered();
    if (storedLabs < count) classroom.problems.add(`mail not in the mailbox ${DELIVERY_WAIT_MS / 1000} s after the last QUIT`, count - storedLabs);
    const afterScripts = await bridge.stats(false);
    await sleep(500);
    const active = await bridge.stats(true);
    console.log(
      `${count} conversations typed, ${Math.min(concurrency, count)} labs at a time, in ${scriptSeconds.toFixed(1)} s ` +
        `(bridge CPU ${(((afterScripts.cpuSeconds - cpuBeforeScripts) / count) * 1000).toFixed(1)} ms a conversation, relaying included; ` +
        `${((classroom.received - receivedBeforeScripts) / count).toFixed(0)} WebSocket messages to its page; ` +
        `loop delay p99 ${msText(afterScripts.loopDelay.p99)}, max ${msText(afterScripts.loopDelay.max)}); ` +
        `${storedLabs} of ${count} labs have the mail in alice@example.test's mailbox ${deliverySeconds.toFixed(1)} s after the last QUIT`,
    );
    console.log(`  ${pairsText(afterScripts.pairs)}`);

    // 3. Round trips at the goal's rate, then stepped up until p99 passes the knee. First each lab
    // opens a new conversation and types up to a line of its own (lab i: i mod 11 lines), so every
    // line of the script is in the mix from the first second, as in a class where learners are at
    // different points; round robin keeps it so.
    const staggerStarted = performance.now();
    await classroom.runScripts(concurrency, (lab) => lab.index % SCRIPT.length);
    console.log(`${count} new conversations opened and typed up to line i mod ${SCRIPT.length} in ${((performance.now() - staggerStarted) / 1000).toFixed(1)} s`);
    const results: StepResult[] = [];
    const rates = [options.goalRate, ...options.steps.filter((rate) => rate > options.goalRate)];
    for (const rate of rates) {
      const seconds = rate === options.goalRate ? options.goalSeconds : options.stepSeconds;
      await classroom.drive(rate, options.warmSeconds, null);
      await bridge.reset();
      await canary.reset();
      clientLoop.reset();
      const before = classroom.problems.snapshot();
      const receivedBefore = classroom.received;
      const cpuBefore = (await bridge.stats(false)).cpuSeconds;
      const samples: Samples = { all: [], byLine: SCRIPT.map(() => []) };
      const run = await classroom.drive(rate, seconds, samples);
      const after = await bridge.stats(false);
      const result: StepResult = {
        rate,
        ...run,
        // Replies still on their way when the step ends land here later: sorted again for the report.
        samples,
        problems: classroom.problems.since(before),
        bridgeCpu: (after.cpuSeconds - cpuBefore) / seconds,
        bridgeLoop: after.loopDelay,
        clientLoopP99: clientLoop.percentile(99) / 1e6,
        idleLoop: await canary.read(),
        pairs: after.pairs,
        received: classroom.received - receivedBefore,
      };
      results.push(result);
      const sorted = [...samples.all].sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      process.stdout.write(`  ${rate} commands/s: p50 ${msText(percentile(sorted, 50))}, p99 ${msText(p99)}\n`);
      // Past the knee one step above the goal is enough; failures or a rate that cannot be sent end it too.
      if ((p99 > options.kneeMs && rate > options.goalRate) || result.problems > 0 || result.sent < 0.9 * result.offered) break;
    }
    const unanswered = await classroom.settle(5_000);
    if (unanswered > 0) classroom.problems.add('replies still missing when the run stopped', unanswered);
    for (const step of results) {
      step.samples.all.sort((a, b) => a - b);
      for (const line of step.samples.byLine) line.sort((a, b) => a - b);
    }
    const held = await bridge.stats(false);
    const open = classroom.labs.filter((lab) => lab.socket.readyState === WebSocket.OPEN).length;

    // The report.
    const idlePerLab = { rss: (idle.rss - baseline.rss) / count, heap: (idle.heapUsed + idle.external - baseline.heapUsed - baseline.external) / count };
    const activePerLab = { rss: (active.rss - baseline.rss) / count, heap: (active.heapUsed + active.external - baseline.heapUsed - baseline.external) / count };
    console.log(`\nbridge memory after a full GC: baseline heap ${mb(baseline.heapUsed)} + external ${mb(baseline.external)}, RSS ${mb(baseline.rss)}; ` + `idle ${mb(idle.heapUsed)} + ${mb(idle.external)}, RSS ${mb(idle.rss)}; active ${mb(active.heapUsed)} + ${mb(active.external)}, RSS ${mb(active.rss)}`);
    console.log('\nRound trip by rate (aggregate terminal lines a second across the class; ' + `${ANSWERED_PER_CONVERSATION} of every ${SCRIPT.length} lines get a reply and a round trip)`);
    const goalStep = results[0];
    const secondsOf = (step: StepResult) => (step.rate === options.goalRate ? options.goalSeconds : options.stepSeconds);
    const cpuPerCommand = (step: StepResult | undefined) => (step ? (step.bridgeCpu * secondsOf(step) * 1000) / Math.max(1, step.sent) : NaN);
    const goalP99 = goalStep ? percentile(goalStep.samples.all, 99) : NaN;
    // One column per rate, one row per figure.
    const columns = results.map((step) => {
      const p99 = percentile(step.samples.all, 99);
      return {
        rate: `${step.rate}/s`,
        figures: {
          'lines sent a second': String(Math.round(step.sent / secondsOf(step))),
          'round trips': String(step.samples.all.length),
          'round trip p50': msText(percentile(step.samples.all, 50)),
          'round trip p99': msText(p99),
          'round trip max': msText(step.samples.all.at(-1) ?? NaN),
          'p99 / p99 at the goal rate': (p99 / goalP99).toFixed(2),
          'problems (errors, timeouts, no lab ready)': String(step.problems + step.missed),
          'bridge CPU, all its threads (one core = 100%)': `${(step.bridgeCpu * 100).toFixed(0)}%`,
          'bridge CPU a line': msText(cpuPerCommand(step)),
          'WebSocket messages to the pages a line': (step.received / Math.max(1, step.sent)).toFixed(1),
          'bridge loop delay p99 / max': `${msText(step.bridgeLoop.p99)} / ${msText(step.bridgeLoop.max)}`,
          'client loop delay p99': msText(step.clientLoopP99),
          'idle process loop delay p99 / max (machine noise)': `${msText(step.idleLoop.p99)} / ${msText(step.idleLoop.max)}`,
          'loopback pairs slower than 1 s / failed': `${step.pairs.slow} / ${step.pairs.failed}`,
        } as Record<string, string>,
      };
    });
    const rows = Object.keys(columns[0]?.figures ?? {});
    console.table(Object.fromEntries(rows.map((row) => [row, Object.fromEntries(columns.map((column) => [column.rate, column.figures[row]]))])));

    if (goalStep) {
      console.log(`\nRound trip by line at ${goalStep.rate}/s (the first server line of each reply)`);
      console.table(
        Object.fromEntries(
          SCRIPT.flatMap((line, index) => {
            const samples = goalStep.samples.byLine[index] ?? [];
            if (!line.reply) return [];
            return [[line.text, { 'round trips': samples.length, p50: msText(percentile(samples, 50)), p99: msText(percentile(samples, 99)), max: msText(samples.at(-1) ?? NaN) }]];
          }),
        ),
      );
    }

    const kneeIndex = results.findIndex((step) => percentile(step.samples.all, 99) > options.kneeMs);
    const failedIndex = results.findIndex((step) => step.problems > 0 || step.sent < 0.9 * step.offered);
    let knee: string;
    if (kneeIndex === 0) knee = `already at ${results[0]?.rate}/s`;
    else if (kneeIndex > 0) knee = `between ${results[kneeIndex - 1]?.rate} and ${results[kneeIndex]?.rate} commands/s`;
    else if (failedIndex >= 0) knee = `not reached: at ${results[failedIndex]?.rate}/s commands failed or could not be sent first`;
    else knee = `not reached up to ${results.at(-1)?.rate} commands/s`;

    const labsHeld = Math.min(held.labs, open);
    const goalOk = goalStep !== undefined && goalP99 <= GOALS.p99Ms && goalStep.problems === 0;
    console.log(`\nClass scenario, ${count} labs (goals: 1,000 labs, 200 KB an idle lab, p99 20 ms at 200 lines a second)`);
    console.table({
      'labs held (bridge / sockets open at the end)': { measured: `${held.labs} / ${open}`, goal: `>= ${GOALS.labs}`, verdict: verdict(labsHeld >= GOALS.labs) },
      'memory per idle lab, RSS': { measured: kb(idlePerLab.rss), goal: `<= ${kb(GOALS.idleBytesPerLab)}`, verdict: verdict(idlePerLab.rss <= GOALS.idleBytesPerLab) },
      'memory per idle lab, JS heap + external': { measured: kb(idlePerLab.heap), goal: `<= ${kb(GOALS.idleBytesPerLab)}`, verdict: verdict(idlePerLab.heap <= GOALS.idleBytesPerLab) },
      'memory per active lab, RSS': { measured: kb(activePerLab.rss), goal: '-', verdict: `${(activePerLab.rss / idlePerLab.rss).toFixed(1)}x idle` },
      'memory per active lab, JS heap + external': { measured: kb(activePerLab.heap), goal: '-', verdict: `${(activePerLab.heap / idlePerLab.heap).toFixed(1)}x idle` },
      [`round trip p50 at ${options.goalRate}/s`]: { measured: msText(percentile(goalStep?.samples.all ?? [], 50)), goal: '-', verdict: '' },
      [`round trip p99 at ${options.goalRate}/s`]: { measured: msText(goalP99), goal: `<= ${GOALS.p99Ms} ms`, verdict: verdict(goalOk) },
      [`p99 passes ${options.kneeMs} ms`]: { measured: knee, goal: '-', verdict: '' },
      [`bridge CPU a line at ${options.goalRate}/s`]: {
        measured: msText(cpuPerCommand(goalStep)),
        goal: '-',
        verdict: `~${Math.round(1000 / cpuPerCommand(goalStep))} lines/s a core`,
      },
    });
    const problems = [...classroom.problems.counts].sort((a, b) => b[1] - a[1]);
    console.log(problems.length ? `problems: ${problems.map(([kind, n]) => `${n}x ${kind}`).join('; ')}` : 'problems: none (no errors, refusals, timeouts or dropped sockets)');
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const warnings = bridge.logLines.filter((line) => / (warn|error) /.test(line));
    console.log(`bridge log: ${warnings.length} warnings and errors${warnings.length ? '; first: ' + [...new Set(warnings.map((line) => line.slice(25, 160)))].slice(0, 5).join(' | ') : ''}`);
  } finally {
    process.off('SIGINT', stop);
    clearInterval(watchdog);
    clientLoop.disable();
    canary.stop();
    classroom.close();
    await bridge.stop();
  }
}
