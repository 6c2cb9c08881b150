/**
 * Who is the sender, off the lab's event loop: the SPF, DKIM and DMARC check of every message a
 * lab MX receives, and the relay's DKIM signature, are pure CPU work on bytes and the lab DNS
 * (about a millisecond per message, a third of what a relayed message costs). One worker thread
 * per bridge does them for every world, so the SMTP conversations of all labs keep moving on the
 * main thread meanwhile, and a machine's second core takes the cryptography.
 *
 * The worker runs exactly the functions in mail-auth.ts. If it cannot start or dies, every
 * request (those in flight included) is done in this thread instead: slower, never different.
 */
import { Worker } from 'node:worker_threads';
import { LabDns } from '../../core/world/lab-dns';
import type { AuthCheck } from '../../core/world/world-events';
import type { WorldDefinition } from '../../core/world/world-types';
import { checkMessage, signMessage, type AuthPeer, type DkimKey } from './mail-auth';

export type AuthRequest =
  | { type: 'world'; world: number; definition: WorldDefinition }
  | { type: 'forget'; world: number }
  | { type: 'check'; id: number; world: number; raw: Uint8Array; peer: AuthPeer }
  | { type: 'sign'; id: number; key: DkimKey; raw: Uint8Array };

export type AuthReply =
  | { id: number; check: AuthCheck }
  | { id: number; signed: Uint8Array; logs: string[] }
  | { id: number; error: string };

export interface MailAuth {
  /** SPF, DKIM and DMARC of a message as one lab MX sees it (checkMessage). */
  check(raw: Buffer, peer: AuthPeer): Promise<AuthCheck>;
  /** The message signed with `key` (signMessage): unchanged, and a line logged, if signing failed. */
  sign(key: DkimKey, raw: Buffer): Promise<Buffer>;
  /** The world is gone: the worker forgets its DNS. Requests in flight still finish. */
  close(): void;
}

interface Pending {
  settle(reply: AuthReply): void;
  /** The same work in this thread, for when the worker is gone. */
  inProcess(): void;
}

class AuthWorker {
  #worker: Worker | null = null;
  #broken = false;
  #answered = false;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Registrations to replay if the worker is (re)started lazily. */
  readonly #worlds = new Map<number, WorldDefinition>();

  /** 'worker' once the worker thread has answered, 'this thread' after it failed. */
  get where(): 'not started' | 'worker' | 'this thread' {
    return this.#broken ? 'this thread' : this.#answered ? 'worker' : 'not started';
  }

  register(world: number, definition: WorldDefinition): void {
    this.#worlds.set(world, definition);
    this.#worker?.postMessage({ type: 'world', world, definition } satisfies AuthRequest);
  }

  forget(world: number): void {
    this.#worlds.delete(world);
    this.#worker?.postMessage({ type: 'forget', world } satisfies AuthRequest);
  }

  /** Posts `request` (its id filled in); `inProcess` does the same work here if the worker fails. */
  request<T>(request: Extract<AuthRequest, { id: number }>, read: (reply: AuthReply) => T, inProcess: () => Promise<T>): Promise<T> {
    const worker = this.#broken ? null : this.#start();
    if (!worker) return inProcess();
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, {
        settle: (reply) => {
          try {
            resolve(read(reply));
          } catch (error) {
            reject(error);
          }
        },
        inProcess: () => void inProcess().then(resolve, reject),
      });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  #start(): Worker | null {
    if (this.#worker) return this.#worker;
    try {
      // Plain JavaScript that registers tsx, then loads the worker's TypeScript.
      const worker = new Worker(new URL('./mail-auth-worker.mjs', import.meta.url));
      worker.unref();
      worker.on('message', (reply: AuthReply) => this.#onReply(worker, reply));
      worker.on('error', () => this.#fail(worker));
      worker.on('exit', () => this.#fail(worker));
      this.#worker = worker;
      for (const [world, definition] of this.#worlds) worker.postMessage({ type: 'world', world, definition } satisfies AuthRequest);
      return worker;
    } catch {
      this.#broken = true;
      return null;
    }
  }

  #onReply(worker: Worker, reply: AuthReply): void {
    this.#answered = true;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) worker.unref();
    pending.settle(reply);
  }

  /** The worker is gone: everything it still owed is done here, and so is everything after. */
  #fail(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    this.#broken = true;
    void worker.terminate();
    const owed = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of owed) pending.inProcess();
  }
}

let shared: AuthWorker | null = null;
let worlds = 0;

/** Where this process's worlds check and sign their mail (tests prove it is the worker). */
export function mailAuthRunsIn(): 'not started' | 'worker' | 'this thread' {
  return shared?.where ?? 'not started';
}

/**
 * Mail authentication for one world, whose DNS is `definition`'s. `inProcess: true` keeps the
 * work in this thread (what the worker itself would do).
 */
export function mailAuthFor(definition: WorldDefinition, log: (message: string) => void, options: { inProcess?: boolean } = {}): MailAuth {
  const dns = new LabDns(definition);
  const signHere = (key: DkimKey, raw: Buffer) => signMessage(key, raw, log);
  const checkHere = (raw: Buffer, peer: AuthPeer) => checkMessage(dns, raw, peer);
  if (options.inProcess) return { check: checkHere, sign: signHere, close() {} };

  shared ??= new AuthWorker();
  const worker = shared;
  const world = ++worlds;
  worker.register(world, definition);
  return {
    check: (raw, peer) =>
      worker.request(
        { type: 'check', id: 0, world, raw, peer },
        (reply) => {
          if ('check' in reply) return reply.check;
          throw new Error('error' in reply ? reply.error : 'unexpected reply from the mail-auth worker');
        },
        () => checkHere(raw, peer),
      ),
    sign: (key, raw) =>
      worker.request(
        { type: 'sign', id: 0, key, raw },
        (reply) => {
          if (!('signed' in reply)) throw new Error('error' in reply ? reply.error : 'unexpected reply from the mail-auth worker');
          for (const line of reply.logs) log(line);
          return Buffer.from(reply.signed.buffer, reply.signed.byteOffset, reply.signed.byteLength);
        },
        () => signHere(key, raw),
      ),
    close: () => worker.forget(world),
  };
}
