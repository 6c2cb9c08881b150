/**
 * The pool of worker threads behind mail-auth-service: one per core (--work-threads), shared by
 * every world of the bridge. Each request has a deadline; past it the answer is the caller's
 * fallback, the worker is ended and a fresh one started, and what it owed moves to another. If
 * the workers cannot start, every request is done in this thread instead.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AuthCheck } from '../../core/world/world-events';
import type { WorldDefinition } from '../../core/world/world-types';
import type { LearnerZone } from '../../core/world/learner-zone';
import type { HeaderSummary } from '../lab/message-headers';
import type { AuthPeer, DkimKey } from './mail-auth';

/** How long one check or signature may take in a worker; a normal one takes about a millisecond. */
export const AUTH_DEADLINE_MS = 5_000;
/**
 * Worker threads per bridge (--work-threads): one per core, and at least two, so the other one
 * answers while one is held up or restarting.
 */
export const DEFAULT_WORK_THREADS = Math.max(2, availableParallelism());
/** Workers in a row that fail to load before the pool gives up and works in this thread. */
const MAX_FAILED_STARTS = 3;
/** A worker that has not loaded within this is taken as unable to start. */
const WORKER_START_MS = 60_000;

export type AuthRequest =
  | { type: 'world'; world: number; definition: WorldDefinition; zone: LearnerZone | null }
  | { type: 'forget'; world: number }
  | { type: 'check'; id: number; world: number; raw: Uint8Array<ArrayBuffer>; peer: AuthPeer }
  | { type: 'sign'; id: number; key: DkimKey; raw: Uint8Array<ArrayBuffer> }
  | { type: 'seal'; id: number; key: DkimKey; raw: Uint8Array<ArrayBuffer>; authResults: string }
  | { type: 'headers'; id: number; raw: Uint8Array<ArrayBuffer> };

export type AuthReply =
  | { id: number; check: AuthCheck }
  | { id: number; signed: Uint8Array<ArrayBuffer>; logs: string[] }
  | { id: number; headers: HeaderSummary }
  | { id: number; error: string };

/** What a worker posts: a batch of replies, or 'ready' once it has loaded. */
export type WorkerMessage = AuthReply[] | 'ready';

type JobRequest = Extract<AuthRequest, { id: number }>;

interface Job {
  id: number;
  deadlineMs: number;
  moves: number;
  /** The request to post: made afresh each time, because its bytes are moved to the worker. */
  request(id: number): JobRequest;
  settle(reply: AuthReply): void;
  /** Past the deadline: the answer without the worker. */
  late(): void;
  /** The same work in this thread, for when no worker can start. */
  inProcess(): void;
}

/** One worker thread and what it owes. */
class Lane {
  readonly worker: Worker;
  ready = false;
  /** Jobs given to this worker; a timer runs for each one posted. */
  readonly jobs = new Map<number, { job: Job; timer: NodeJS.Timeout | null }>();
  #outbox: AuthRequest[] = [];
  #moving: ArrayBuffer[] = [];

  constructor(worker: Worker) {
    this.worker = worker;
  }

  /**
   * Requests made in one turn of the event loop go over together: under load a message at a
   * time cost a thread wake-up each. The bytes are moved, not cloned: a Buffer is often a view
   * into a far larger pooled or concatenated ArrayBuffer, and a clone would copy all of it.
   */
  post(request: AuthRequest): void {
    this.#outbox.push(request);
    if ('raw' in request) this.#moving.push(request.raw.buffer);
    if (this.#outbox.length > 1) return;
    setImmediate(() => {
      const requests = this.#outbox.splice(0);
      const moving = this.#moving.splice(0);
      if (requests.length) this.worker.postMessage(requests, moving);
    });
  }

  /** Nothing more goes over: requests not yet posted are dropped with their bytes. */
  discard(): void {
    this.#outbox.length = 0;
    this.#moving.length = 0;
  }
}

class AuthPool {
  readonly #size: number;
  readonly #lanes = new Set<Lane>();
  /**
   * Times a request moves to another worker because the one it waited on ended: enough to outlive
   * the loss of every worker once, and a bound for a request that crashes each worker it meets.
   */
  readonly #maxMoves: number;
  #broken = false;
  #answered = false;
  #everLoaded = false;
  #failedStarts = 0;
  #nextId = 1;
  /** Registrations every worker gets, the ones started later too. */
  readonly #worlds = new Map<number, { definition: WorldDefinition; zone: LearnerZone | null }>();

  constructor(size: number) {
    this.#size = Math.max(1, size);
    this.#maxMoves = this.#size;
  }

  get size(): number {
    return this.#size;
  }

  /** Workers started and not ended (tests count them against the pool's size). */
  get workers(): number {
    return this.#lanes.size;
  }

  /** 'worker' once a worker thread has answered, 'this thread' after they could not start. */
  get where(): 'not started' | 'worker' | 'this thread' {
    return this.#broken ? 'this thread' : this.#answered ? 'worker' : 'not started';
  }

  register(world: number, definition: WorldDefinition, zone: LearnerZone | null): void {
    this.#worlds.set(world, { definition, zone });
    for (const lane of this.#lanes) lane.post({ type: 'world', world, definition, zone });
  }

  forget(world: number): void {
    this.#worlds.delete(world);
    for (const lane of this.#lanes) lane.post({ type: 'forget', world });
  }

  request<T>(
    deadlineMs: number,
    request: (id: number) => JobRequest,
    read: (reply: AuthReply) => T,
    late: () => T,
    inProcess: () => Promise<T>,
  ): Promise<T> {
    this.#fill();
    if (this.#broken) return inProcess();
    return new Promise<T>((resolve, reject) => {
      this.#dispatch({
        id: this.#nextId++,
        deadlineMs,
        moves: 0,
        request,
        settle: (reply) => {
          try {
            resolve(read(reply));
          } catch (error) {
            reject(error);
          }
        },
        late: () => resolve(late()),
        inProcess: () => void inProcess().then(resolve, reject),
      });
    });
  }

  /** Resolves once every worker of the pool has loaded (tests time answers from then on). */
  async loaded(): Promise<void> {
    this.#fill();
    const loading = () => this.#lanes.size < this.#size || [...this.#lanes].some((lane) => !lane.ready);
    while (!this.#broken && loading()) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      this.#fill();
    }
  }

  /** Ends every worker as a crash would, once they have loaded (tests): fresh ones take over what they owed. */
  async terminate(): Promise<void> {
    await this.loaded();
    await Promise.all([...this.#lanes].map((lane) => lane.worker.terminate()));
  }

  /**
   * Starts workers up to the pool's size, one at a time: loading takes a core for a second or
   * two, and the first worker answers sooner without a second one loading beside it.
   */
  #fill(): void {
    if (this.#broken || this.#lanes.size >= this.#size || [...this.#lanes].some((lane) => !lane.ready)) return;
    this.#startLane();
  }

  #startLane(): void {
    let worker: Worker;
    try {
      // Plain JavaScript that registers tsx, then loads the worker's TypeScript.
      worker = new Worker(new URL('./mail-auth-worker.mjs', import.meta.url));
    } catch {
      this.#giveUp();
      return;
    }
    worker.unref();
    const lane = new Lane(worker);
    this.#lanes.add(lane);
    const starting = setTimeout(() => !lane.ready && this.#onGone(lane), WORKER_START_MS).unref();
    worker.on('message', (message: WorkerMessage) => {
      if (message === 'ready') {
        clearTimeout(starting);
        this.#onReady(lane);
      } else for (const reply of message) this.#onReply(lane, reply);
    });
    const gone = () => {
      clearTimeout(starting);
      this.#onGone(lane);
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    for (const [world, { definition, zone }] of this.#worlds) lane.post({ type: 'world', world, definition, zone });
  }

  /** The least busy worker, a loaded one if there is any. */
  #dispatch(job: Job): void {
    let best: Lane | null = null;
    for (const lane of this.#lanes) {
      if (!best || (lane.ready && !best.ready) || (lane.ready === best.ready && lane.jobs.size < best.jobs.size)) best = lane;
    }
    if (!best) return job.inProcess();
    best.jobs.set(job.id, { job, timer: null });
    best.worker.ref();
    if (best.ready) this.#send(best, job);
  }

  /** Posts a job to a loaded worker; its deadline runs from now. */
  #send(lane: Lane, job: Job): void {
    const entry = lane.jobs.get(job.id);
    if (!entry) return;
    lane.post(job.request(job.id));
    entry.timer = setTimeout(() => this.#overdue(lane, job), job.deadlineMs).unref();
  }

  #onReady(lane: Lane): void {
    if (!this.#lanes.has(lane)) return;
    lane.ready = true;
    this.#everLoaded = true;
    this.#failedStarts = 0;
    for (const { job } of lane.jobs.values()) this.#send(lane, job);
    this.#fill();
  }

  #onReply(lane: Lane, reply: AuthReply): void {
    this.#answered = true;
    const entry = lane.jobs.get(reply.id);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    lane.jobs.delete(reply.id);
    if (lane.jobs.size === 0) lane.worker.unref();
    entry.job.settle(reply);
  }

  /** A job ran past its deadline: answered without it, and its worker replaced. */
  #overdue(lane: Lane, job: Job): void {
    if (!lane.jobs.delete(job.id)) return;
    job.late();
    this.#retire(lane);
  }

  /** A worker exited or failed on its own, or did not load in time. */
  #onGone(lane: Lane): void {
    if (!this.#lanes.has(lane)) return;
    // If none ever loaded, or several in a row did not, the next will not either: the work stays in this thread.
    if (!lane.ready && (!this.#everLoaded || ++this.#failedStarts >= MAX_FAILED_STARTS)) return this.#giveUp();
    this.#retire(lane);
  }

  /** Ends a worker; a fresh one is started and what it owed moves to the least busy worker. */
  #retire(lane: Lane): void {
    this.#lanes.delete(lane);
    lane.discard();
    void lane.worker.terminate();
    const owed = [...lane.jobs.values()];
    lane.jobs.clear();
    this.#fill();
    for (const { job, timer } of owed) {
      if (timer) clearTimeout(timer);
      if (++job.moves > this.#maxMoves) job.late();
      else this.#dispatch(job);
    }
  }

  /** No worker can start: everything owed, and everything after, is done in this thread. */
  #giveUp(): void {
    if (this.#broken) return;
    this.#broken = true;
    const owed: Job[] = [];
    for (const lane of this.#lanes) {
      lane.discard();
      void lane.worker.terminate();
      for (const { job, timer } of lane.jobs.values()) {
        if (timer) clearTimeout(timer);
        owed.push(job);
      }
      lane.jobs.clear();
    }
    this.#lanes.clear();
    for (const job of owed) job.inProcess();
  }
}

let shared: AuthPool | null = null;
let threads = DEFAULT_WORK_THREADS;

/** One pool per bridge process, for all its worlds, started with the first world that needs it. */
export function sharedPool(): AuthPool {
  return (shared ??= new AuthPool(threads));
}

/** The pool's size (--work-threads), set before the first world or message list uses it. */
export function setWorkThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new Error(`--work-threads must be a whole number above 0, not ${count}`);
  if (shared && shared.size !== count) throw new Error('The worker pool is already running: set its size before the bridge starts');
  threads = count;
}

/** Workers the pool runs now and its size (tests). */
export function workThreads(): { running: number; size: number } {
  return { running: shared?.workers ?? 0, size: shared?.size ?? threads };
}

/** Where this process's worlds check and sign their mail (tests prove it is the workers). */
export function mailAuthRunsIn(): 'not started' | 'worker' | 'this thread' {
  return shared?.where ?? 'not started';
}

/** Resolves once the pool's workers have all loaded (tests). */
export async function mailAuthWorkersLoaded(): Promise<void> {
  await sharedPool().loaded();
}

/** The workers die (tests): fresh ones do what they owed, and what follows. */
export async function terminateMailAuthWorkers(): Promise<void> {
  await shared?.terminate();
}

/** The message's bytes in an ArrayBuffer of their own, to hand over to the worker. */
export function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
