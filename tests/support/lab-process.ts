/** Starts a whole bridge (HTTP, WebSocket, SMTP) on loopback with free ports and a throwaway state dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge, type BridgeOptions, type HostedOptions, type LocalBridge } from '../../bridge/server';

export interface TestBridge extends LocalBridge {
  stateDir: string;
}

export interface HostedTestBridge extends Bridge {
  stateDir: string;
}

/** `extra`: names the web port answers to besides loopback (--allowed-host, --public-host), a smarthost (--relay). */
export async function startTestBridge(extra: Pick<BridgeOptions, 'allowedHosts' | 'publicHost' | 'outbound'> = {}): Promise<TestBridge> {
  process.env.SMTP_LAB_LOG ??= 'quiet';
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-state-'));
  const bridge = await startBridge({ host: '127.0.0.1', httpPort: 0, smtpPort: 0, smtpsPort: 0, stateDir, ...extra });
  return withStateDir(bridge, stateDir);
}

/** A bridge in hosted mode: a lab per browser (cookie), outside clients only with a lab's credentials. */
export async function startHostedTestBridge(hosted: HostedOptions = {}, extra: Pick<BridgeOptions, 'outbound'> = {}): Promise<HostedTestBridge> {
  process.env.SMTP_LAB_LOG ??= 'quiet';
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-state-'));
  const bridge = await startBridge({ host: '127.0.0.1', httpPort: 0, smtpPort: 0, smtpsPort: 0, stateDir, hosted, ...extra });
  return withStateDir(bridge, stateDir);
}

function withStateDir<B extends Bridge>(bridge: B, stateDir: string): B & { stateDir: string } {
  return {
    ...bridge,
    stateDir,
    async close() {
      await bridge.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
