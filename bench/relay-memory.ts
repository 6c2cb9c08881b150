/**
 * Relay memory: does relaying leave anything behind? A lab world in a process of its own relays
 * 1,000 messages, then three runs of 10,000, and reports the heap after a full collection after
 * each. Everything the world keeps for mail is bounded (a mailbox keeps its newest 200), so once
 * the first 1,000 have filled it the heap must stay where it is; what grows is a leak.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RelayMemoryReport, RelayMemoryStage } from './relay-memory-world';

/**
 * One mailbox on each of five hosts (mx2.fallback.test after its preferred MX refuses), taking
 * turns: a burst then opens five sessions per host, each carrying about 20 messages, as a lab
 * sending to several domains does, rather than 50 to one host.
 */
export const RELAY_MEMORY_RECIPIENTS = ['bob@example.test', 'pat@lab.test', 'pat@fallback.test', 'pat@tls-required.test', 'pat@small.test'];
const WARM_UP = 1_000;
const RUN = 10_000;
const RUNS = 3;
/** The goal: the heap after GC after the last run, at most this much above the one after the first 1,000. */
export const RELAY_MEMORY_GOAL_BYTES = 10 * 1024 * 1024;
/** The whole part stops here, finished or not: about twice what it takes on a busy two-core machine. */
const DEADLINE_MS = 5 * 60_000;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function measureRelayMemory(): Promise<void> {
  console.log(`\nRelay memory: a lab world relays ${WARM_UP.toLocaleString('en')} messages, then ${RUNS} runs of ${RUN.toLocaleString('en')} (1 KB each, in bursts,`);
  console.log(`to ${RELAY_MEMORY_RECIPIENTS.join(', ')} over STARTTLS), in a process of its own; heap in use after a full GC once each stage's sessions have closed.`);
  const stages = await runWorld([WARM_UP, ...Array.from({ length: RUNS }, () => RUN)]);
  const first = stages[0];
  const last = stages.at(-1);
  if (!first || !last || stages.length !== RUNS + 1) {
    console.log('relay memory: the run did not finish, no figure');
    process.exitCode = 1;
    return;
  }
  const table: Record<string, Record<string, string>> = {};
  for (const stage of stages) {
    table[`after ${stage.total.toLocaleString('en')}`] = {
      'heap after GC': mb(stage.heapUsed),
      'growth since the first 1,000': stage === first ? '-' : mb(stage.heapUsed - first.heapUsed),
      'relay sessions so far': String(stage.sessions),
      seconds: stage.seconds.toFixed(1),
    };
  }
  console.table(table);
  const growth = last.heapUsed - first.heapUsed;
  const relayed = last.total - first.total;
  const sessions = last.sessions - first.sessions;
  console.log(
    `relay memory: heap after GC grew ${mb(growth)} over ${relayed.toLocaleString('en')} relayed messages in ${sessions} sessions ` +
      `(${Math.round(growth / relayed)} bytes a message, ${Math.round(growth / Math.max(1, sessions))} bytes a session); ` +
      `goal: within ${mb(RELAY_MEMORY_GOAL_BYTES)} of the heap after the first ${WARM_UP.toLocaleString('en')}: ${growth <= RELAY_MEMORY_GOAL_BYTES ? 'PASS' : 'FAIL'}`,
  );
}

/** Runs the stages in the world's process; resolves with every stage reported before it ended. */
function runWorld(counts: number[]): Promise<RelayMemoryStage[]> {
  const child = fork(fileURLToPath(new URL('./relay-memory-world.ts', import.meta.url)), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, SMTP_LAB_LOG: 'quiet', RELAY_MEMORY_STAGES: counts.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stages: RelayMemoryStage[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      console.log(`relay memory: stopped after ${DEADLINE_MS / 60_000} minutes`);
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.on('message', (report: RelayMemoryReport) => {
      if (report.type === 'stage') {
        stages.push(report.stage);
        console.log(`  ${report.stage.total.toLocaleString('en')} relayed: heap after GC ${mb(report.stage.heapUsed)} (${report.stage.seconds.toFixed(1)} s)`);
      } else if (report.type === 'failed') {
        console.log(`relay memory: ${report.message}`);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(stages);
    });
  });
}
