/** A TCP listener for outside SMTP clients, resolved once it listens, with the address it got. */
import net from 'node:net';

export interface SmtpListener {
  server: net.Server;
  address: { host: string; port: number };
}

export async function listenForClients(
  host: string,
  port: number,
  name: string,
  onSocket: (socket: net.Socket) => void,
  log: (message: string) => void,
): Promise<SmtpListener> {
  // Nagle off: SMTP lines are small and the learner watches the latency.
  const server = net.createServer({ noDelay: true }, onSocket);
  server.on('error', (error) => log(`${name} listener: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') {
    server.close();
    throw new Error(`${name} listener has no address`);
  }
  return { server, address: { host, port: address.port } };
}
