/**
 * mailauth, loaded with its key parsing remembered. For every message it signs, mailauth 4.13
 * turns the private key's PEM into a key object again, and for every signature it checks it turns
 * the DNS record's public key into a key object and back into PEM: with OpenSSL 3 that is ~0.4 ms
 * and ~0.25 ms of CPU per message, more than the signing and checking themselves. The lab signs
 * with one key per world and checks against a handful of records, so the parsed keys are kept.
 *
 * mailauth's DKIM modules take `getPrivateKey` and `getPublicKey` from its tools module when they
 * are loaded, so the remembering versions go in first and mailauth itself is loaded after them.
 * What they return is exactly what mailauth's own would: the same key object type, the same
 * `{ publicKey, rr, modulusLength }` for the same DNS answer, and the same errors (never kept).
 * Every lookup still asks the resolver, so a record that changes is read afresh.
 */
import { createRequire } from 'node:module';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type * as Mailauth from 'mailauth';
import { LOCAL_LEARNER_DOMAIN } from '../../core/world/learner-zone';

const require = createRequire(import.meta.url);

/** Keys and records remembered; a lab has one signing key and a few published keys. */
const MAX_KEPT = 64;

type GetPrivateKey = (key: string | Buffer) => KeyObject;
interface PublicKeyAnswer {
  publicKey: string | Buffer | KeyObject;
  rr: string;
  modulusLength?: number;
}
type Resolver = (name: string, type: string) => Promise<unknown>;
type GetPublicKey = (type: string, name: string, minBitLength: number | undefined, resolver?: Resolver) => Promise<PublicKeyAnswer>;

interface Tools {
  getPrivateKey: GetPrivateKey;
  getPublicKey: GetPublicKey;
  /** Set once the remembering versions are in, so a second load does not wrap them twice. */
  labKeyCaches?: true;
}

/** Counts of real parses, for tests that prove the keys are parsed once. */
export const keyParses = { private: 0, public: 0 };

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= MAX_KEPT) map.clear();
  map.set(key, value);
  return value;
}

/**
 * The PEM mailauth hands to crypto.verify, as a key object: verify would parse the PEM again for
 * every signature. mailauth also reports the key as `publicKey.toString()`, which stays the PEM.
 */
function verifyingKey(pem: string | Buffer | KeyObject): KeyObject {
  if (typeof pem === 'object' && !Buffer.isBuffer(pem)) return pem;
  const key = createPublicKey(pem);
  const text = pem.toString();
  Object.defineProperty(key, 'toString', { value: () => text });
  return key;
}

function installKeyCaches(tools: Tools): void {
  if (tools.labKeyCaches) return;
  const parsePrivate = tools.getPrivateKey;
  const privateKeys = new Map<string, KeyObject>();
  tools.getPrivateKey = (key) => {
    const text = typeof key === 'string' ? key : key.toString('latin1');
    const kept = privateKeys.get(text);
    if (kept) return kept;
    keyParses.private++;
    return remember(privateKeys, text, parsePrivate(key));
  };

  const parsePublic = tools.getPublicKey;
  const publicKeys = new Map<string, PublicKeyAnswer>();
  tools.getPublicKey = async (type, name, minBitLength, resolver) => {
    // The same question mailauth asks, answered once; the parse depends on nothing but the answer.
    const answer = await (resolver ?? ((n: string, t: string) => require('node:dns').promises.resolve(n, t)))(name, 'TXT');
    const key = JSON.stringify([type, minBitLength ?? null, answer]);
    const kept = publicKeys.get(key);
    if (kept) return { ...kept };
    keyParses.public++;
    const parsed = await parsePublic(type, name, minBitLength, async () => answer);
    remember(publicKeys, key, { ...parsed, publicKey: verifyingKey(parsed.publicKey) });
    return { ...parsed };
  };
  tools.labKeyCaches = true;
}

interface Tldts {
  getDomain(name: string, options?: unknown): string | null;
  /** Set once the lab's suffix is in, so a second load does not wrap it twice. */
  labSuffix?: true;
}

/** A hosted lab's own domain (bridge/hosted/lab-directory.ts names it), at the end of a name. */
const HOSTED_LEARNER_DOMAIN = new RegExp(`(?:^|\\.)(lab-[0-9a-f]+\\.${LOCAL_LEARNER_DOMAIN.replaceAll('.', '\\.')})$`, 'i');

/**
 * Each hosted lab's domain is an organizational domain of its own (RFC 7489 §3.2), as a name
 * registered under a public suffix is: learner.test is to them what a private entry of the public
 * suffix list is to its users. tldts, which mailauth asks, knows no such suffix under .test and would
 * make every hosted lab's domain a part of learner.test: a subdomain's mail would find no policy,
 * and alignment would only compare learner.test.
 */
function installLabSuffix(tldts: Tldts): void {
  if (tldts.labSuffix) return;
  const getDomain = tldts.getDomain.bind(tldts);
  tldts.getDomain = (name, options) => HOSTED_LEARNER_DOMAIN.exec(name)?.[1]?.toLowerCase() ?? getDomain(name, options);
  tldts.labSuffix = true;
}

installKeyCaches(require('mailauth/lib/tools.js') as Tools);
installLabSuffix(createRequire(require.resolve('mailauth'))('tldts') as Tldts);
const mailauth = require('mailauth') as typeof Mailauth;

export const authenticate: typeof Mailauth.authenticate = mailauth.authenticate;
export const dkimSign: typeof Mailauth.dkimSign = mailauth.dkimSign;
export const sealMessage: typeof Mailauth.sealMessage = mailauth.sealMessage;
