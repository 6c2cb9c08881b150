import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateCertificates } from './certificates';

const dirs: string[] = [];
async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-certs-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('lab certificates', () => {
  it('creates a CA and a server certificate for the lab names, signed by it', async () => {
    const dir = await stateDir();
    const certs = await loadOrCreateCertificates(dir);
    const ca = new X509Certificate(certs.caPem);
    const server = new X509Certificate(certs.certPem);
    expect(ca.ca).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    for (const name of ['localhost', 'lab.test', 'smtp.lab.test']) expect(server.checkHost(name)).toBe(name);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certs.caPem).not.toMatch(/PRIVATE KEY/);
    expect((await stat(join(dir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('reuses what it made at the next start, and replaces a damaged file', async () => {
    const dir = await stateDir();
    const first = await loadOrCreateCertificates(dir);
    const second = await loadOrCreateCertificates(dir);
    expect(second).toEqual(first);
    await writeFile(join(dir, 'server.pem'), 'not a certificate');
    const repaired = await loadOrCreateCertificates(dir);
    expect(repaired.caPem).toBe(first.caPem);
    expect(repaired.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(repaired.certPem).verify(new X509Certificate(first.caPem).publicKey)).toBe(true);
  });
});
