/**
 * The worker side of mail-auth-service: SPF, DKIM, DMARC and ARC checks, DKIM signing, ARC sealing and reading the
 * header fields a message list shows, the same functions the bridge would call in its own thread, run here so they do not hold up the lab's
 * SMTP conversations. Each world registers its DNS once; each request names its world.
 */
import { parentPort } from 'node:worker_threads';
import { LabDns } from '../../core/world/lab-dns';
import { checkMessage, sealWithArc, signMessage } from './mail-auth';
import { headerSummary } from '../lab/message-headers';
import { ownBytes, type AuthReply, type AuthRequest, type WorkerMessage } from './work-pool';

const worlds = new Map<number, LabDns>();
const port = (() => {
  if (!parentPort) throw new Error('mail-auth-worker runs as a worker thread');
  return parentPort;
})();

port.on('message', (requests: AuthRequest[]) => {
  for (const request of requests) {
    void handle(request).then(
      (reply) => reply && send(reply),
      (error: unknown) => 'id' in request && send({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
  }
});

/** Replies ready in one turn go back together; a signed message is moved, not cloned. */
const outbox: AuthReply[] = [];
const moving: ArrayBuffer[] = [];
function send(reply: AuthReply): void {
  outbox.push(reply);
  if ('signed' in reply) moving.push(reply.signed.buffer);
  if (outbox.length > 1) return;
  setImmediate(() => port.postMessage(outbox.splice(0) satisfies WorkerMessage, moving.splice(0)));
}

// Loaded: the service starts each request's deadline from here on, not while mailauth loads.
port.postMessage('ready' satisfies WorkerMessage);

async function handle(request: AuthRequest): Promise<AuthReply | null> {
  switch (request.type) {
    case 'world':
      worlds.set(request.world, new LabDns(request.definition, request.zone));
      return null;
    case 'forget':
      worlds.delete(request.world);
      return null;
    case 'check': {
      const dns = worlds.get(request.world);
      if (!dns) throw new Error('The mail world is not registered with the mail-auth worker');
      return { id: request.id, check: await checkMessage(dns, asBuffer(request.raw), request.peer) };
    }
    case 'sign': {
      const logs: string[] = [];
      const signed = await signMessage(request.key, asBuffer(request.raw), (message) => logs.push(message));
      return { id: request.id, signed: ownBytes(signed), logs };
    }
    case 'seal': {
      const logs: string[] = [];
      const sealed = await sealWithArc(request.key, asBuffer(request.raw), request.authResults, (message) => logs.push(message));
      return { id: request.id, signed: ownBytes(sealed), logs };
    }
    case 'headers':
      return { id: request.id, headers: headerSummary(asBuffer(request.raw)) };
  }
}

/** A Buffer over the bytes that came across (structured clone turns a Buffer into a Uint8Array). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
