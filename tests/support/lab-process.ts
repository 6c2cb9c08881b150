/** Starts a whole bridge (HTTP, WebSocket, SMTP) on loopback with free ports and a throwaway state dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../bridge/server';

export interface TestBridge extends Bridge {
  stateDir: string;
}

export async function startTestBridge(): Promise<TestBridge> {
  process.env.SMTP_LAB_LOG ??= 'quiet';
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-state-'));
  const bridge = await startBridge({ host: '127.0.0.1', httpPort: 0, smtpPort: 0, smtpsPort: 0, stateDir });
  return {
    lab: bridge.lab,
    webUrl: bridge.webUrl,
    smtp: bridge.smtp,
    smtps: bridge.smtps,
    stateDir,
    async close() {
      await bridge.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
