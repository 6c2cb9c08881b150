/**
 * Hosted labs kept on disk (--data-dir): each lab's database, and beside it what the directory
 * needs to open the lab again after a restart — its account, the address that holds it, when it
 * was last used. A lab's files go when the lab expires (idle), not when the bridge stops.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabAccount } from '../../core/smtp/credential-filter';
import { LabDatabase } from '../store/lab-database';

export interface KeptLabFacts {
  id: string;
  account: LabAccount;
  address: string;
  lastSeen: number;
}

const FACTS = '.json';

export function labDataFile(dir: string, id: string): string {
  return join(dir, `${id}.sqlite`);
}

/** Written when a lab opens and as it is used; only the bridge's user may read the lab's password. */
export function saveLabFacts(dir: string, facts: KeptLabFacts): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, facts.id + FACTS), JSON.stringify(facts), { mode: 0o600 });
}

export function removeKeptLab(dir: string, id: string): void {
  LabDatabase.remove(labDataFile(dir, id));
  rmSync(join(dir, id + FACTS), { force: true });
}

/** Every lab kept in `dir`; files that cannot be read are skipped (and said so). */
export function keptLabs(dir: string, log: (message: string) => void): KeptLabFacts[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const labs: KeptLabFacts[] = [];
  for (const name of names.filter((n) => n.endsWith(FACTS))) {
    try {
      const facts = JSON.parse(readFileSync(join(dir, name), 'utf8')) as KeptLabFacts;
      if (facts.id + FACTS !== name || typeof facts.account?.user !== 'string' || typeof facts.lastSeen !== 'number') throw new Error('not a kept lab');
      labs.push(facts);
    } catch (error) {
      log(`kept labs: ${name} skipped: ${String(error)}`);
    }
  }
  return labs;
}
