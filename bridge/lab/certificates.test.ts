import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CA_LIFETIME_DAYS, loadOrCreateCertificates } from './certificates';

const run = promisify(execFile);

/** OpenSSL's own reading of a certificate file, as a learner would check it. */
async function openssl(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** A server certificate for `san`, signed with the lab CA's key the way anyone holding it could. */
async function signWithLabCa(dir: string, name: string, san: string): Promise<string> {
  const leaf = (ext: string) => join(dir, `${name}.${ext}`);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', leaf('key'), '-out', leaf('csr'), '-subj', `/CN=${name}`]);
  await writeFile(leaf('ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', leaf('csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca-key.pem'), '-set_serial', '7', '-days', '30', '-extfile', leaf('ext'), '-out', leaf('pem')]);
  return leaf('pem');
}

/** A CA as the lab made them before: no name constraints, ten years. */
async function writeUnconstrainedCa(dir: string, days: number): Promise<void> {
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca-key.pem'), '-out', join(dir, 'ca.pem'),
    '-days', String(days), '-subj', '/CN=SMTP Lab local CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

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

  it('gives the CA critical name constraints: the lab names, loopback, the bound address and the public host', async () => {
    const dir = await stateDir();
    const certs = await loadOrCreateCertificates(dir, { host: '192.0.2.7', publicHost: 'mail.school.example', log: () => undefined });
    const text = (await openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-text')).output;
    const constraints = /X509v3 Name Constraints: critical\s+Permitted:\s+((?:\s*(?:DNS|IP):\S+\n)+)/.exec(text);
    expect(constraints, text).not.toBeNull();
    expect((constraints?.[1] ?? '').trim().split(/\s+/)).toEqual([
      'DNS:test',
      'DNS:localhost',
      'DNS:mail.school.example',
      'IP:127.0.0.0/255.0.0.0',
      'IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF',
      'IP:192.0.2.7/255.255.255.255',
    ]);
    // The lab's own server certificate is inside them, and names the bound address and public host.
    const server = new X509Certificate(certs.certPem);
    expect(server.checkIP('192.0.2.7')).toBe('192.0.2.7');
    expect(server.checkHost('mail.school.example')).toBe('mail.school.example');
    expect((await openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem'))).output).toMatch(/server\.pem: OK/);
  });

  it('cannot vouch for a site outside the lab, even signed with its own key', async () => {
    const dir = await stateDir();
    await loadOrCreateCertificates(dir, { log: () => undefined });
    const bank = await signWithLabCa(dir, 'www.bank.example', 'DNS:www.bank.example');
    const bankCheck = await openssl('verify', '-CAfile', join(dir, 'ca.pem'), bank);
    expect(bankCheck.ok).toBe(false);
    expect(bankCheck.output).toMatch(/permitted subtree violation/);
    const outsideIp = await signWithLabCa(dir, 'outside', 'IP:198.51.100.1');
    expect((await openssl('verify', '-CAfile', join(dir, 'ca.pem'), outsideIp)).output).toMatch(/permitted subtree violation/);
    // The same key still signs for the lab's own names: the constraint, not the key, draws the line.
    const inside = await signWithLabCa(dir, 'mx.example.test', 'DNS:mx.example.test');
    expect((await openssl('verify', '-CAfile', join(dir, 'ca.pem'), inside)).output).toMatch(/OK/);
  });

  it('lives a year, and its server certificate no longer', async () => {
    const certs = await loadOrCreateCertificates(await stateDir(), { log: () => undefined });
    const ca = new X509Certificate(certs.caPem);
    const days = (Date.parse(ca.validTo) - Date.now()) / 86_400_000;
    expect(CA_LIFETIME_DAYS).toBeLessThanOrEqual(398);
    expect(days).toBeGreaterThan(CA_LIFETIME_DAYS - 1);
    expect(days).toBeLessThanOrEqual(CA_LIFETIME_DAYS);
    expect(Date.parse(new X509Certificate(certs.certPem).validTo)).toBeLessThanOrEqual(Date.parse(ca.validTo));
  });

  it('renews a CA without name constraints, near its end, or made for other names, and says so', async () => {
    const dir = await stateDir();
    const said: string[] = [];
    const log = (message: string) => said.push(message);

    await writeUnconstrainedCa(dir, 3650);
    const old = await readFile(join(dir, 'ca.pem'), 'utf8');
    const renewed = await loadOrCreateCertificates(dir, { log });
    expect(renewed.caPem).not.toBe(old);
    expect(said.pop()).toMatch(/lab CA renewed \(it had no name constraints\).*must trust the new one/);
    expect(new X509Certificate(renewed.certPem).verify(new X509Certificate(renewed.caPem).publicKey)).toBe(true);

    // The same start again keeps it: a learner trusts it once.
    expect(await loadOrCreateCertificates(dir, { log })).toEqual(renewed);
    expect(said).toEqual([]);

    // A new public host is a name the old CA may not vouch for.
    const moved = await loadOrCreateCertificates(dir, { publicHost: 'lab.school.example', log });
    expect(moved.caPem).not.toBe(renewed.caPem);
    expect(said.pop()).toMatch(/lab CA renewed \(it was for test, localhost .*this bridge serves .*lab\.school\.example/);
    expect(new X509Certificate(moved.certPem).checkHost('lab.school.example')).toBe('lab.school.example');

    await writeUnconstrainedCa(dir, 10);
    await loadOrCreateCertificates(dir, { log });
    expect(said.pop()).toMatch(/lab CA renewed \(it expires within 30 days\)/);
  });
});
