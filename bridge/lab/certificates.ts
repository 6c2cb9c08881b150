/**
 * The lab's own certificate authority and the server certificate it signs. Created at first start
 * and kept in the state directory so that a learner who trusted the CA once keeps trusting it.
 * The CA private key stays in this module's files: the Lab interface only ever shows the CA cert.
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface LabCertificates {
  /** The lab CA certificate (PEM): what clients trust. */
  caPem: string;
  /** The server certificate (PEM) for the names in SERVER_NAMES. */
  certPem: string;
  /** The server certificate's private key (PEM). */
  keyPem: string;
}

/** Names the server certificate covers: what learners and tests connect to. */
export const SERVER_NAMES = ['localhost', 'lab.test', 'smtp.lab.test'] as const;
export const SERVER_IPS = ['127.0.0.1'] as const;

const FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;
const CA_YEARS = 10;
const SERVER_YEARS = 2;
/** Renew the server certificate this long before it expires. */
const RENEW_MARGIN_MS = 7 * 24 * 3600_000;

/** Load the lab certificates from `stateDir`, creating whatever is missing or expiring. */
export async function loadOrCreateCertificates(stateDir: string): Promise<LabCertificates> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(stateDir, name);

  let ca = await readPair(path(FILES.ca), path(FILES.caKey));
  let createdCa = false;
  if (!ca || expiresSoon(ca.cert)) {
    ca = await createCa();
    await writeFile(path(FILES.ca), ca.cert);
    await writeSecret(path(FILES.caKey), ca.key);
    createdCa = true;
  }

  let server = await readPair(path(FILES.cert), path(FILES.key));
  // A new CA invalidates the old server certificate, so sign a new one.
  if (!server || createdCa || expiresSoon(server.cert) || !issuedBy(server.cert, ca.cert)) {
    server = await createServerCert(ca);
    await writeFile(path(FILES.cert), server.cert);
    await writeSecret(path(FILES.key), server.key);
  }
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.key };
}

interface Pair {
  cert: string;
  key: string;
}

async function readPair(certPath: string, keyPath: string): Promise<Pair | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    new X509Certificate(cert); // throws on a damaged file, which then gets replaced
    return { cert, key };
  } catch {
    return null;
  }
}

async function writeSecret(file: string, pem: string): Promise<void> {
  await writeFile(file, pem, { mode: 0o600 });
  await chmod(file, 0o600); // mode is ignored when the file already existed
}

function expiresSoon(pem: string): boolean {
  return Date.parse(new X509Certificate(pem).validTo) - Date.now() < RENEW_MARGIN_MS;
}

function issuedBy(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}

function yearsFromNow(years: number): Date {
  const date = new Date();
  date.setFullYear(date.getFullYear() + years);
  return date;
}

async function createCa(): Promise<Pair> {
  const pems = await generate([{ name: 'commonName', value: 'SMTP Lab local CA' }, { name: 'organizationName', value: 'SMTP Lab' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: yearsFromNow(CA_YEARS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function createServerCert(ca: Pair): Promise<Pair> {
  const pems = await generate([{ name: 'commonName', value: 'smtp.lab.test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: yearsFromNow(SERVER_YEARS),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...SERVER_NAMES.map((value) => ({ type: 2 as const, value })), ...SERVER_IPS.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
