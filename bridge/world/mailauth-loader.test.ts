import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../app-build';
import { LabDns, withTxtRecord } from '../../core/world/lab-dns';
import { LAB_WORLD } from '../../core/world/world-definition';
import { checkMessage, createDkimKey, signMessage } from './mail-auth';
import { keyParses } from './mailauth-loader';

const raw = (n: number) => Buffer.from(`From: learner@lab.test\r\nTo: bob@example.test\r\nSubject: note ${n}\r\n\r\nhello ${n}\r\n`);
const peer = { ip: '192.0.2.10', helo: 'smtp.lab.test', sender: 'learner@lab.test', mta: 'mx.example.test' };

describe('mailauth with its keys remembered', () => {
  it('parses the signing key and the published key once, and every message still signs and verifies', async () => {
    const key = createDkimKey('lab.test');
    const dns = new LabDns(withTxtRecord(LAB_WORLD, key.domain, key.record));
    const before = { ...keyParses };
    const signatures = new Set<string>();
    for (let n = 0; n < 5; n++) {
      const signed = await signMessage(key, raw(n), () => {});
      signatures.add(signed.toString().split('\r\n\r\n')[0]!);
      const check = await checkMessage(dns, signed, peer);
      expect(check).toMatchObject({ fromDomain: 'lab.test', spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    }
    expect(signatures.size).toBe(5);
    expect(keyParses.private - before.private).toBe(1);
    expect(keyParses.public - before.public).toBe(1);
  });

  it('reads a record that changed afresh: a signature by another key fails against the published one', async () => {
    const published = createDkimKey('lab.test');
    const other = createDkimKey('lab.test');
    const dns = new LabDns(withTxtRecord(LAB_WORLD, published.domain, published.record));
    expect((await checkMessage(dns, await signMessage(published, raw(1), () => {}), peer)).dkim).toBe('pass');
    expect((await checkMessage(dns, await signMessage(other, raw(2), () => {}), peer)).dkim).toBe('fail');
    const republished = new LabDns(withTxtRecord(LAB_WORLD, other.domain, other.record));
    expect((await checkMessage(republished, await signMessage(other, raw(3), () => {}), peer)).dkim).toBe('pass');
    expect((await checkMessage(republished, await signMessage(published, raw(4), () => {}), peer)).dkim).toBe('fail');
  });
});

describe('the nodemailer inside mailauth', () => {
  it('is the project\'s own, the only one installed: mailauth reads every From: header with a current address parser', () => {
    const wanted = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.nodemailer;
    const tree = JSON.parse(execFileSync('npm', ['ls', 'nodemailer', '--all', '--json'], { cwd: PROJECT_ROOT, encoding: 'utf8' })) as NpmTree;
    expect(installedVersions(tree, 'nodemailer')).toEqual(new Set([wanted]));
    const mailauthRequire = createRequire(createRequire(import.meta.url).resolve('mailauth'));
    const parser = mailauthRequire.resolve('nodemailer/lib/addressparser');
    expect(parser.startsWith(join(PROJECT_ROOT, 'node_modules', 'nodemailer') + sep)).toBe(true);
  });
});

interface NpmTree {
  version?: string;
  dependencies?: Record<string, NpmTree>;
}

/** Every version of `name` anywhere in `npm ls --json`'s tree. */
function installedVersions(tree: NpmTree, name: string, found = new Set<string>()): Set<string> {
  for (const [dependency, node] of Object.entries(tree.dependencies ?? {})) {
    if (dependency === name && node.version) found.add(node.version);
    installedVersions(node, name, found);
  }
  return found;
}

describe("a hosted lab's domain under learner.test", () => {
  const world = (domain: string) => ({ ...LAB_WORLD, domains: [...LAB_WORLD.domains, { name: domain, role: 'learner' as const, mx: [], a: [], users: 'any' as const, magicLocalParts: false, greylistAll: false }] });
  const forged = (from: string) => Buffer.from(`From: ${from}\r\nTo: alice@example.test\r\nSubject: forged\r\n\r\nNot from you.\r\n`);
  const stranger = { ip: '192.0.2.99', helo: 'stranger.test', sender: 'x@stranger.test', mta: 'mx.example.test' };

  it("is an organizational domain of its own: a subdomain's mail gets its sp=, not learner.test's (none)", async () => {
    const domain = 'lab-1f2e3d4c5b.learner.test';
    const dns = new LabDns(world(domain), { domain, records: [{ type: 'TXT', name: `_dmarc.${domain}`, value: 'v=DMARC1; p=none; sp=reject' }] });
    const checked = await checkMessage(dns, forged(`news@news.${domain}`), stranger);
    expect(checked.dmarc).toBe('fail');
    expect(checked.policy).toBe('reject');
  });

  it('leaves the local learner.test as it was: news.learner.test belongs to learner.test', async () => {
    const domain = 'learner.test';
    const dns = new LabDns(world(domain), { domain, records: [{ type: 'TXT', name: `_dmarc.${domain}`, value: 'v=DMARC1; p=none; sp=reject' }] });
    const checked = await checkMessage(dns, forged(`news@news.${domain}`), stranger);
    expect(checked.policy).toBe('reject');
  });
});
