/**
 * The lab's own certificate authority and the server certificate it signs. Created at first start
 * and kept in the state directory so that a learner who trusted the CA keeps trusting it, until it
 * is renewed. The CA private key stays in this module's files: the Lab interface only ever shows
 * the CA cert.
 *
 * The CA carries critical name constraints (certificate-names.ts): trusted by mistake in a whole
 * browser or system store, it still cannot vouch for any site outside the lab's names. It lives a
 * year, and is made again (with its server certificate, and a line in the log) when it is near its
 * end, has no constraints, or its constraints are not the names this bridge now serves.
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import { log } from '../log';
import { permittedNames, serverNames, type CertificateNamesOptions, type LabNames } from './certificate-names';

export interface LabCertificates {
  /** The lab CA certificate (PEM): what clients trust. */
  caPem: string;
  /** The server certificate (PEM) for the lab names, the bound address and the public host. */
  certPem: string;
  /** The server certificate's private key (PEM). */
  keyPem: string;
}

export interface CertificateOptions extends CertificateNamesOptions {
  /** Where a new or renewed CA is reported (the bridge log by default). */
  log?(message: string): void;
}

const FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;
const DAY_MS = 24 * 3600_000;
/** How long a CA lives: long enough to trust once per course, short enough that a lost key expires. */
export const CA_LIFETIME_DAYS = 365;
/** Renew the CA (and so its server certificate) when it has less than this left. */
export const CA_RENEW_DAYS = 30;
/** Clocks that run a little behind still accept a certificate made just now. */
const CLOCK_SKEW_MS = 3600_000;

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Load the lab certificates from `stateDir`, creating whatever is missing, expiring or too wide. */
export async function loadOrCreateCertificates(stateDir: string, options: CertificateOptions = {}): Promise<LabCertificates> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(stateDir, name);
  const wanted = permittedNames(options);

  let ca = await readPair(path(FILES.ca), path(FILES.caKey));
  const reason = ca ? whyRenew(ca.cert, wanted) : 'none was stored';
  let createdCa = false;
  if (!ca || reason) {
    ca = await createCa(wanted);
    await writeFile(path(FILES.ca), ca.cert);
    await writeSecret(path(FILES.caKey), ca.key);
    createdCa = true;
    // A renewal is worth a warning: every client that trusted the old CA now fails until it trusts the new one.
    const report = options.log ?? ((message: string) => log(reason === 'none was stored' ? 'info' : 'warn', message));
    report(
      `lab CA ${reason === 'none was stored' ? 'created' : `renewed (${reason})`}: valid until ${new X509Certificate(ca.cert).validTo}, ` +
        `for ${describeNames(wanted)} only; ` +
        (reason === 'none was stored' ? 'clients trust it through GET /api/ca.pem' : 'clients that trusted the old one must trust the new one (GET /api/ca.pem)'),
    );
  }

  const names = serverNames(options);
  let server = await readPair(path(FILES.cert), path(FILES.key));
  // A new CA invalidates the old server certificate, so sign a new one.
  if (!server || createdCa || !coversNames(server.cert, names) || expiresWithin(server.cert, CA_RENEW_DAYS) || !issuedBy(server.cert, ca.cert)) {
    server = await createServerCert(ca, names);
    await writeFile(path(FILES.cert), server.cert);
    await writeSecret(path(FILES.key), server.key);
  }
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.key };
}

/** Why a stored CA must be made again, or null when it may stay. */
function whyRenew(caPem: string, wanted: LabNames): string | null {
  if (expiresWithin(caPem, CA_RENEW_DAYS)) return `it expires within ${CA_RENEW_DAYS} days`;
  const constraints = readNameConstraints(caPem);
  if (!constraints) return 'it had no name constraints';
  if (!constraints.critical) return 'its name constraints were not critical';
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((item) => b.includes(item));
  if (!same(constraints.dns, wanted.dns) || !same(constraints.ips, wanted.ips)) {
    return `it was for ${describeNames(constraints)}; this bridge serves ${describeNames(wanted)}`;
  }
  return null;
}

function describeNames({ dns, ips }: LabNames): string {
  return `${dns.join(', ')} and the names below them, ${ips.join(', ')}`;
}

/** The permitted subtrees of a certificate's name constraints, or null when it has none. */
export function readNameConstraints(pem: string): (LabNames & { critical: boolean }) | null {
  const extension = new x509.X509Certificate(pem).getExtension(id_ce_nameConstraints);
  if (!extension) return null;
  const constraints = AsnConvert.parse(extension.value, NameConstraints);
  const dns: string[] = [];
  const ips: string[] = [];
  for (const subtree of constraints.permittedSubtrees ?? []) {
    if (subtree.base.dNSName !== undefined) dns.push(subtree.base.dNSName);
    if (subtree.base.iPAddress !== undefined) ips.push(subtree.base.iPAddress);
  }
  return { dns, ips, critical: extension.critical };
}

function nameConstraintsExtension(names: LabNames): x509.Extension {
  const subtree = (base: GeneralName) => new GeneralSubtree({ base });
  const permitted = new GeneralSubtrees([
    ...names.dns.map((dNSName) => subtree(new GeneralName({ dNSName }))),
    ...names.ips.map((cidr) => subtree(new GeneralName({ iPAddress: cidr }))),
  ]);
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted })));
}

interface Pair {
  cert: string;
  key: string;
}

async function readPair(certPath: string, keyPath: string): Promise<Pair | null> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    new X509Certificate(cert); // throws on a damaged file, which then gets replaced
    createPrivateKey(key);
    return { cert, key };
  } catch {
    return null;
  }
}

async function writeSecret(file: string, pem: string): Promise<void> {
  await writeFile(file, pem, { mode: 0o600 });
  await chmod(file, 0o600); // mode is ignored when the file already existed
}

function expiresWithin(pem: string, days: number): boolean {
  return Date.parse(new X509Certificate(pem).validTo) - Date.now() < days * DAY_MS;
}

function coversNames(pem: string, names: { dns: string[]; ips: string[] }): boolean {
  const cert = new X509Certificate(pem);
  return names.dns.every((name) => cert.checkHost(name, { wildcards: false }) === name) && names.ips.every((ip) => cert.checkIP(ip) !== undefined);
}

function issuedBy(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function createCa(names: LabNames): Promise<Pair> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=SMTP Lab local CA, O=SMTP Lab',
    notBefore: new Date(Date.now() - CLOCK_SKEW_MS),
    notAfter: new Date(Date.now() + CA_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      nameConstraintsExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

async function createServerCert(ca: Pair, names: { dns: string[]; ips: string[] }): Promise<Pair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKeyDer = createPrivateKey(ca.key).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', caKeyDer, KEY_ALGORITHM, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=smtp.lab.test',
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - CLOCK_SKEW_MS),
    // Never outlives its CA: both are renewed together.
    notAfter: caCert.notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}
