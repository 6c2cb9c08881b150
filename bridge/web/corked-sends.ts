/**
 * Frames sent to one page within one turn of the event loop leave in one write. A typed line
 * makes about ten messages (the line, each line of the reply, state changes); sent one by one,
 * each was a system call of its own, the largest single cost of a bridge serving a class.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

const corked = new Set<Socket>();
let scheduled = false;

/** Hold this page's writes until the current turn of the event loop is over. */
export function corkForThisTurn(page: WebSocket): void {
  // ws keeps the TCP socket in a private field; cork() and uncork() are the socket's own API.
  const socket = (page as unknown as { _socket?: Socket })._socket;
  if (!socket || socket.destroyed || corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (!scheduled) {
    scheduled = true;
    setImmediate(uncorkAll);
  }
}

function uncorkAll(): void {
  scheduled = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}
