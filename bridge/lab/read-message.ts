/** Reading a message from smtp-server's DATA stream, shared by the lab's servers and the world's. */
import type { SMTPServerDataStream } from 'smtp-server';

/** Collects the message; past the size limit it only drains, so a huge message costs no memory. */
export function readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
