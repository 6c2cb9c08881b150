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
  | { type: 'check'; id: number; world: number; raw: Uint8Array<ArrayBuffer>; peer: AuthPeer }
  | { type: 'sign'; id: number; key: DkimKey; raw: Uint8Array<ArrayBuffer> };

export type AuthReply =
  | { id: number; check: AuthCheck }
  | { id: number; signed: Uint8Array<ArrayBuffer>; logs: string[] }
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
  #outbox: AuthRequest[] = [];
  #moving: ArrayBuffer[] = [];
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
    if (this.#worker) this.#post(this.#worker, { type: 'world', world, definition });
  }

  forget(world: number): void {
    this.#worlds.delete(world);
    if (this.#worker) this.#post(this.#worker, { type: 'forget', world });
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
      this.#post(worker, { ...request, id }, request.raw.buffer);
    });
  }

  /**
   * Requests made in one turn of the event loop go over together: under load a message at a
   * time cost a thread wake-up each. The bytes are moved, not cloned: a Buffer is often a view
   * into a far larger pooled or concatenated ArrayBuffer, and a clone would copy all of it.
   */
  #post(worker: Worker, request: AuthRequest, bytes?: ArrayBuffer): void {
    this.#outbox.push(request);
    if (bytes) this.#moving.push(bytes);
    if (this.#outbox.length > 1) return;
    setImmediate(() => {
      const requests = this.#outbox.splice(0);
      const moving = this.#moving.splice(0);
      if (this.#worker === worker) worker.postMessage(requests, moving);
    });
  }

  #start(): Worker | null {
    if (this.#worker) return this.#worker;
    try {
      // Plain JavaScript that registers tsx, then loads the worker's TypeScript.
      const worker = new Worker(new URL('./mail-auth-worker.mjs', import.meta.url));
      worker.unref();
      worker.on('message', (replies: AuthReply[]) => {
        for (const reply of replies) this.#onReply(worker, reply);
      });
      worker.on('error', () => this.#fail(worker));
      worker.on('exit', () => this.#fail(worker));
      this.#worker = worker;
      for (const [world, definition] of this.#worlds) this.#post(worker, { type: 'world', world, definition });
      return worker;
    } catch {
      this.#broken = true;
      return null;
    }
  }

  /** Ends the worker as a crash would: what it owed, and all that follows, runs in this thread. */
  async terminate(): Promise<void> {
    await this.#worker?.terminate();
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

/** The worker dies (tests): requests in flight and later ones are done in this thread. */
export async function terminateMailAuthWorker(): Promise<void> {
  await shared?.terminate();
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
        { type: 'check', id: 0, world, raw: ownBytes(raw), peer },
        (reply) => {
          if ('check' in reply) return reply.check;
          throw new Error('error' in reply ? reply.error : 'unexpected reply from the mail-auth worker');
        },
        () => checkHere(raw, peer),
      ),
    sign: (key, raw) =>
      worker.request(
        { type: 'sign', id: 0, key, raw: ownBytes(raw) },
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

/** The message's bytes in an ArrayBuffer of their own, to hand over to the worker. */
export function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
