/**
 * The work behind a message, off the lab's event loop: the SPF, DKIM and DMARC check of every
 * message a lab MX receives, the relay's DKIM signature, and reading a big header block for a
 * message list are pure CPU work on bytes and the lab DNS (about a millisecond per message, a
 * third of what a relayed message costs; tens of milliseconds for a header block of thousands of
 * addresses). A pool of worker threads per bridge, one per core, does them for every world, so
 * the SMTP conversations of all labs keep moving on the main thread meanwhile.
 *
 * Every request has a deadline. A check past it is answered at once with temperror (a signature:
 * the message goes out unsigned), the worker that holds it is ended and a fresh one started, and
 * what else that worker owed moves to the other one: one lab's pathological message holds up
 * neither its own queue nor any other lab's.
 *
 * The workers run exactly the functions in mail-auth.ts. If they cannot start, every request is
 * done in this thread instead (slower, never different, and without a deadline).
 */
import { LabDns } from '../../core/world/lab-dns';
import type { AuthCheck } from '../../core/world/world-events';
import type { WorldDefinition } from '../../core/world/world-types';
import { headerSummary, NO_HEADER_SUMMARY, type HeaderSummary } from '../lab/message-headers';
import type { LearnerZone } from '../../core/world/learner-zone';
import { checkMessage, sealWithArc, signMessage, unfinishedCheck, type AuthPeer, type DkimKey } from './mail-auth';
import { AUTH_DEADLINE_MS, ownBytes, sharedPool, type AuthReply } from './work-pool';

export interface MailAuth {
  /** SPF, DKIM and DMARC of a message as one lab MX sees it (checkMessage); temperror past the deadline. */
  check(raw: Buffer, peer: AuthPeer): Promise<AuthCheck>;
  /** The message signed with `key` (signMessage): unchanged, and a line logged, if signing failed or ran late. */
  sign(key: DkimKey, raw: Buffer): Promise<Buffer>;
  /** The message with an ARC set on top carrying `authResults` (sealWithArc): unchanged, and a line logged, if sealing failed or ran late. */
  seal(key: DkimKey, raw: Buffer, authResults: string): Promise<Buffer>;
  /** The world's DNS changed (a lesson's scenario): later checks read the new records. */
  redefine(definition: WorldDefinition): void;
  /** The learner published new records: checks from now on read them. */
  useZone(zone: LearnerZone): void;
  /** The world is gone: the workers forget its DNS. Requests in flight still finish. */
  close(): void;
}

export interface MailAuthOptions {
  /** Do the work in this thread (what a worker itself would do). */
  inProcess?: boolean;
  /** The deadline of each check and signature in a worker (AUTH_DEADLINE_MS). */
  deadlineMs?: number;
  /** The learner's own zone, consulted before the world's records. */
  zone?: LearnerZone | null;
}

/** Worlds registered with the pool, each by a number of its own. */
let worlds = 0;

/** Mail authentication for one world, whose DNS is `definition`'s. */
export function mailAuthFor(definition: WorldDefinition, log: (message: string) => void, options: MailAuthOptions = {}): MailAuth {
  // The world as it is now (a lesson's scenario may change it) and the learner's published zone.
  let current = definition;
  let zone = options.zone ?? null;
  let dns = new LabDns(current, zone);
  const signHere = (key: DkimKey, raw: Buffer) => signMessage(key, raw, log);
  const sealHere = (key: DkimKey, raw: Buffer, authResults: string) => sealWithArc(key, raw, authResults, log);
  const checkHere = (raw: Buffer, peer: AuthPeer) => checkMessage(dns, raw, peer);
  const redefineHere = (next: WorldDefinition) => {
    current = next;
    dns = new LabDns(next, zone);
  };
  const useZoneHere = (next: LearnerZone) => {
    zone = next;
    dns.useZone(next);
  };
  if (options.inProcess) return { check: checkHere, sign: signHere, seal: sealHere, redefine: redefineHere, useZone: useZoneHere, close() {} };

  const deadlineMs = options.deadlineMs ?? AUTH_DEADLINE_MS;
  const overdue = `not finished within ${deadlineMs} ms`;
  const pool = sharedPool();
  const world = ++worlds;
  /** A signed or sealed message from a worker, its log lines passed on. */
  const readSigned = (reply: AuthReply): Buffer => {
    if (!('signed' in reply)) throw new Error('error' in reply ? reply.error : 'unexpected reply from the mail-auth worker');
    for (const line of reply.logs) log(line);
    return Buffer.from(reply.signed.buffer, reply.signed.byteOffset, reply.signed.byteLength);
  };
  pool.register(world, definition, options.zone ?? null);
  return {
    check: (raw, peer) =>
      pool.request(
        deadlineMs,
        (id) => ({ type: 'check', id, world, raw: ownBytes(raw), peer }),
        (reply) => {
          if ('check' in reply) return reply.check;
          throw new Error('error' in reply ? reply.error : 'unexpected reply from the mail-auth worker');
        },
        () => {
          log(`${peer.mta}: sender check ${overdue}: temperror`);
          return unfinishedCheck(peer, `sender check ${overdue}`);
        },
        () => checkHere(raw, peer),
      ),
    sign: (key, raw) =>
      pool.request(
        deadlineMs,
        (id) => ({ type: 'sign', id, key, raw: ownBytes(raw) }),
        readSigned,
        () => {
          log(`dkim: not signed: signing ${overdue}`);
          return raw;
        },
        () => signHere(key, raw),
      ),
    seal: (key, raw, authResults) =>
      pool.request(
        deadlineMs,
        (id) => ({ type: 'seal', id, key, raw: ownBytes(raw), authResults }),
        readSigned,
        () => {
          log(`arc: not sealed: sealing ${overdue}`);
          return raw;
        },
        () => sealHere(key, raw, authResults),
      ),
    redefine(next) {
      redefineHere(next);
      pool.register(world, next, zone);
    },
    useZone(next) {
      // The thread's own DNS too: it answers if the workers cannot start.
      useZoneHere(next);
      pool.register(world, current, next);
    },
    close: () => pool.forget(world),
  };
}

export interface HeaderReadOptions {
  /** Read in this thread (what the worker would do). */
  inProcess?: boolean;
  /** The deadline of the read in a worker (AUTH_DEADLINE_MS). */
  deadlineMs?: number;
}

/**
 * A message list's From, To, Subject and Date, read from `block` (a header block) in a worker.
 * Past the deadline the worker is replaced and the fields come back empty, with a line logged:
 * the message stays listed and its raw source shows what arrived.
 */
export function readHeadersOffThread(block: Buffer, log: (message: string) => void, options: HeaderReadOptions = {}): Promise<HeaderSummary> {
  const here = async () => headerSummary(block);
  if (options.inProcess) return here();
  const deadlineMs = options.deadlineMs ?? AUTH_DEADLINE_MS;
  return sharedPool().request(
    deadlineMs,
    (id) => ({ type: 'headers', id, raw: ownBytes(block) }),
    (reply) => {
      if ('headers' in reply) return reply.headers;
      throw new Error('error' in reply ? reply.error : 'unexpected reply from the worker');
    },
    () => {
      log(`message list: a ${Math.round(block.length / 1024)} KB header block was not read within ${deadlineMs} ms; the message is listed without From, To, Subject and Date`);
      return { ...NO_HEADER_SUMMARY, to: [] };
    },
    here,
  );
}
