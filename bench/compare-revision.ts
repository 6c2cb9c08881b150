/**
 * `npm run bench -- --compare <revision>`: this checkout's lab against another revision's, taking
 * the same mail in alternating rounds. On a shared machine one run moves by a third from the next,
 * far more than most changes do; within a round both labs meet the same moment, so the figure is
 * the median of the per-round ratios, with how many rounds each side was faster. Each run's relay
 * catch-up is waited out before the next run starts, so one lab's relaying never lands on the
 * other's turn.
 */
import { loadavg } from 'node:os';
import { spawnBridge, type BridgeProcess } from './bridge-process';
import { RECIPIENT, relayDrained, settle } from './delivery-throughput';
import { runNodemailer } from './nodemailer-load';
import { checkOutRevision, describeCheckout, type RevisionCheckout } from './revision-checkout';
import { obtainSmtpSource, runSmtpSource } from './smtp-source';
import { median } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const RUN_SECONDS = 1.5;
const WARM_UP = 1_000;
/** A cold lab's warm-up understates its pace: runs shorter than this would be mostly start and end. */
const MIN_MESSAGES = 2_000;

interface Side {
  label: string;
  bridge: BridgeProcess;
  rates: number[];
  intakeCpu: number[];
  drain: number[];
  /** Taking in and relaying: messages a second from the first sent to the last filed, and CPU µs per message over that span. */
  endToEnd: number[];
  relayCpu: number[];
}

export async function compareWithRevision(revision: string): Promise<void> {
  const here = await describeCheckout();
  const checkout: RevisionCheckout = await checkOutRevision(revision, '--compare');
  const other = checkout.label;
  console.log(`\nThis checkout (${here}) against ${other}: 1 KB messages into each lab, rounds alternating.`);

  const source = await obtainSmtpSource();
  const load: (port: number, messages: number) => Promise<number> =
    'missing' in source
      ? (port, messages) => runNodemailer({ port, connections: 5, size: 1024, messages, to: RECIPIENT, timeoutMs: 120_000 })
      : (port, messages) => runSmtpSource(source, { port, sessions: 10, size: 1024, messages, to: RECIPIENT, timeoutMs: 120_000 });
  console.log('missing' in source ? `Client: pooled nodemailer (smtp-source: ${source.missing}).` : 'Client: smtp-source, 10 sessions kept open (-d).');

  const sides: Side[] = [];
  const cleanUp = async () => {
    await Promise.all(sides.map((side) => side.bridge.stop()));
    await checkout.remove();
  };
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    sides.push({ label: `this checkout (${here})`, bridge: await spawnBridge(), rates: [], intakeCpu: [], drain: [], endToEnd: [], relayCpu: [] });
    sides.push({ label: other, bridge: await spawnBridge([], checkout.root), rates: [], intakeCpu: [], drain: [], endToEnd: [], relayCpu: [] });

    // Warm-up: lets the JIT settle; this checkout's rate sizes the runs, the same for both sides.
    let messages = WARM_UP;
    for (const side of sides) {
      const rate = WARM_UP / (await load(side.bridge.smtp.port, WARM_UP));
      await relayDrained(side.bridge.webUrl);
      await settle(side.bridge);
      if (side === sides[0]) messages = Math.min(50_000, Math.max(MIN_MESSAGES, Math.round((rate * RUN_SECONDS) / 100) * 100));
    }
    console.log(`${ROUNDS} rounds of ${messages} messages per lab.`);

    const ratios: number[] = [];
    const endToEndRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const cpuBefore = side.bridge.cpuSeconds();
        const seconds = await load(side.bridge.smtp.port, messages);
        side.intakeCpu.push(((side.bridge.cpuSeconds() - cpuBefore) / messages) * 1e6);
        const drain = await relayDrained(side.bridge.webUrl);
        side.relayCpu.push(((side.bridge.cpuSeconds() - cpuBefore) / messages) * 1e6);
        side.drain.push(drain);
        side.endToEnd.push(messages / (seconds + drain));
        await settle(side.bridge);
        side.rates.push(messages / seconds);
      }
      const [mine, theirs] = sides.map((side) => side.rates[round] ?? NaN);
      ratios.push((mine ?? NaN) / (theirs ?? NaN));
      const [mineRelayed, theirsRelayed] = sides.map((side) => side.endToEnd[round] ?? NaN);
      endToEndRatios.push((mineRelayed ?? NaN) / (theirsRelayed ?? NaN));
    }
    report(sides, ratios, endToEndRatios, other);
  } finally {
    process.off('SIGINT', interrupted);
    await cleanUp();
  }
}

function report(sides: Side[], ratios: number[], endToEndRatios: number[], other: string): void {
  const table: Record<string, Record<string, string>> = {};
  for (const side of sides) {
    table[side.label] = {
      'msg/s (median)': String(Math.round(median(side.rates))),
      'msg/s (each round)': side.rates.map(Math.round).join(' '),
      'CPU µs/msg taking in': String(Math.round(median(side.intakeCpu))),
      'relay catch-up s': median(side.drain).toFixed(1),
      'end to end msg/s (each filed in its mailbox)': String(Math.round(median(side.endToEnd))),
      'CPU µs/msg taking in and relaying': String(Math.round(median(side.relayCpu))),
    };
  }
  console.table(table);
  const line = (what: string, each: number[]) => {
    const faster = each.filter((ratio) => ratio > 1).length;
    const spread = `${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)}`;
    console.log(`${what}, this checkout / ${other}: ${median(each).toFixed(3)} (median of ${each.length} rounds, from ${spread}); this checkout was faster in ${faster} of ${each.length} rounds.`);
  };
  line('Taking in', ratios);
  line('Taking in and relaying, end to end', endToEndRatios);
  console.log(`A ratio inside its spread is noise more than change. Load average at the end: ${loadavg().map((each) => each.toFixed(1)).join(', ')}.`);
}
