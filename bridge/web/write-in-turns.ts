/**
 * A big reply leaves in slices, one per turn of the event loop. Writing a megabyte to a socket at
 * once held the bridge for tens of milliseconds on a busy machine (on loopback the kernel does the
 * receiving side's work in the writer's time too), and every other lab waited that long.
 */
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';

/** Bytes written per turn of the event loop. */
export const TURN_BYTES = 64 * 1024;

/** End `res` with `body`, a slice per turn (and waiting for 'drain' when the reader is slower). */
export function endInTurns(res: ServerResponse, body: Buffer): void {
  if (body.length <= TURN_BYTES) {
    res.end(body);
    return;
  }
  let offset = 0;
  const next = (): void => {
    if (res.destroyed) return;
    const slice = body.subarray(offset, offset + TURN_BYTES);
    offset += slice.length;
    if (offset >= body.length) {
      res.end(slice);
      return;
    }
    if (res.write(slice)) setImmediate(next);
    else res.once('drain', next);
  };
  next();
}

/**
 * Send one text message as fragments of one WebSocket message, a fragment per turn; `done` runs
 * once the last has been handed to the socket (nothing else may be sent on it meanwhile, or the
 * frames of two messages would mix). The page receives one message, as if sent whole.
 */
export function sendInTurns(socket: WebSocket, text: string, done: () => void): void {
  const body = Buffer.from(text);
  let offset = 0;
  const next = (): void => {
    if (socket.readyState !== socket.OPEN) {
      done();
      return;
    }
    const slice = body.subarray(offset, offset + TURN_BYTES);
    offset += slice.length;
    const fin = offset >= body.length;
    socket.send(slice, { binary: false, fin });
    if (fin) done();
    else setImmediate(next);
  };
  next();
}
