/**
 * `tsx bench/profile-bridge.ts [messages]`: runs the bridge with --cpu-prof under smtp-source load
 * and prints where its time went (self time by function), to find what limits delivery throughput.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile;
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
