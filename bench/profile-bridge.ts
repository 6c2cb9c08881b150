/**
 * `tsx bench/profile-bridge.ts [messages]`: runs the bridge with --cpu-prof under smtp-source load
 * and prints where its time went (self time by function), to find what limits delivery throughput.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBridge, spawnPlainSmtpServer } from './bridge-process';
import { RECIPIENT, settle } from './delivery-throughput';
import { manualSteps, obtainSmtpSource, runSmtpSource } from './smtp-source';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const messages = Number(process.argv[2] ?? 20_000);
const tool = await obtainSmtpSource();
if ('missing' in tool) {
  console.log(`smtp-source is missing: ${tool.missing}\n${manualSteps()}`);
  process.exit(1);
}
const dir = await mkdtemp(join(tmpdir(), 'smtp-lab-profile-'));
try {
  process.env.SMTP_LAB_LOG = 'quiet';
  // PROFILE_TARGET=bare profiles the bare smtp-server instead, for comparison.
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const bridge = process.env.PROFILE_TARGET === 'bare' ? await spawnPlainSmtpServer(nodeArgs) : await spawnBridge(nodeArgs);
  try {
    const seconds = await runSmtpSource(tool, { port: bridge.smtp.port, sessions: 10, size: 1024, messages, to: RECIPIENT, timeoutMs: 120_000 });
    console.log(`${messages} messages in ${seconds.toFixed(2)} s: ${Math.round(messages / seconds)} msg/s (profiling slows it)`);
    await settle(bridge); // profile the relaying that follows the last reply too
  } finally {
    await bridge.stop(120_000);
  }
  // One profile per thread (workers too): each gets its busy time per message, the busiest (the
  // main thread) the breakdown below. PROFILE_KEEP=file keeps that profile for a closer look.
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error('no profile written');
  const profiles = await Promise.all(files.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as Profile));
  const busy = (each: Profile) => {
    const idle = new Set(each.nodes.filter((node) => ['(idle)', '(program)'].includes(node.callFrame.functionName)).map((node) => node.id));
    return each.samples.reduce((sum, id, at) => sum + (idle.has(id) ? 0 : (each.timeDeltas[at] ?? 0)), 0);
  };
  const threadName = (each: Profile) =>
    each.nodes.some((node) => node.callFrame.url.includes('bridge/lab/')) ? 'main thread' : (each.nodes.find((node) => node.callFrame.url.includes('worker'))?.callFrame.url.replace(/^.*\//, '') ?? 'worker');
  profiles.sort((a, b) => busy(b) - busy(a));
  for (const each of profiles) console.log(`${threadName(each)}: ${Math.round(busy(each) / messages)} µs busy per message`);
  if (process.env.PROFILE_KEEP) await writeFile(process.env.PROFILE_KEEP, JSON.stringify(profiles[0]));
  const profile = profiles[0]!;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(bridge|core)\//, '$1/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  const byFile = new Map<string, number>();
  for (const [key, time] of self) {
    const file = key.split(' ').slice(1).join(' ').replace(/:\d+$/, '').replace(/^(\S+?)\/dist\/.*$/, '$1');
    byFile.set(file, (byFile.get(file) ?? 0) + time);
  }
  console.log('self time by file or package:');
  for (const [file, time] of [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${((time / total) * 100).toFixed(1).padStart(5)}%  ${file}`);
  }
  console.log('self time by function:');
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40));
  for (const [key, time] of top) console.log(`${((time / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
