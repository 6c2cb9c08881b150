/**
 * The second load client: pooled nodemailer, as an application would send. Connections are kept
 * for the whole run (like smtp-source -d), because smtp-server holds its greeting 100 ms on every
 * new connection and reconnecting would measure that wait instead of delivery.
 */
import nodemailer from 'nodemailer';

export interface NodemailerRun {
  port: number;
  connections: number;
  /** Approximate size of each message in bytes. */
  size: number;
  messages: number;
  to: string;
  timeoutMs: number;
}

/** Resolves with the wall time in seconds for all messages; rejects on the first failure. */
export async function runNodemailer(options: NodemailerRun): Promise<number> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: options.port,
    secure: false,
    ignoreTLS: true, // the comparison is about delivery, not TLS handshakes
    pool: true,
    maxConnections: options.connections,
    maxMessages: Infinity,
  });
  // Headers take ~300 bytes; the body fills the rest, in 76-character lines like real mail.
  const line = `${'x'.repeat(74)}\r\n`;
  const text = line.repeat(Math.max(1, Math.round((options.size - 300) / line.length)));
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const sends = Promise.all(
      Array.from({ length: options.messages }, (_, index) =>
        transport.sendMail({ from: 'from@lab.test', to: options.to, subject: `bench ${index}`, text }),
      ),
    );
    sends.catch(() => {}); // after a timeout the rest fail as the pool closes: not worth a crash
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nodemailer did not finish within ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    await Promise.race([sends, timeout]);
    return (performance.now() - started) / 1000;
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
