/** A browser and an outside mail client of a hosted lab, for tests over real HTTP, WebSocket and SMTP. */
import nodemailer from 'nodemailer';
import { expect } from 'vitest';
import { LabSocket } from './ws-client';

/** Where a hosted bridge listens: in this process (lab-process.ts) or in its own (deploy.ts). */
export interface HostedAddresses {
  webUrl: string;
  smtp: { port: number };
}

export interface LabJson {
  id: string;
  node: string | null;
  credentials: { user: string; pass: string };
  smtp: { host: string; port: number };
  hosted: { idleMinutes: number };
  /** Bytes the lab keeps now, and its budget. */
  kept: { bytes: number; maxBytes: number };
}

/** A browser: it keeps the lab cookie the bridge sets, as a real one would. */
export class Browser {
  cookie = '';
  /** `bridge` may change: the same browser against a bridge started again. */
  constructor(public bridge: HostedAddresses) {}

  async get(path: string): Promise<Response> {
    const res = await fetch(new URL(path, this.bridge.webUrl), { headers: this.cookie ? { cookie: this.cookie } : {} });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    return res;
  }

  async lab(): Promise<LabJson> {
    const res = await this.get('/api/lab');
    expect(res.status).toBe(200);
    return (await res.json()) as LabJson;
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.get(path);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  socket(): Promise<LabSocket> {
    return LabSocket.open(this.bridge.webUrl, { cookie: this.cookie, origin: new URL(this.bridge.webUrl).origin });
  }
}

export async function sendAs(bridge: HostedAddresses, credentials: { user: string; pass: string }, subject: string, caPem: string, mail: { text?: string; from?: string; to?: string } = {}): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: bridge.smtp.port,
    secure: false,
    requireTLS: true,
    auth: credentials,
    tls: { ca: caPem, servername: 'localhost' },
  });
  try {
    const info = await transport.sendMail({ from: mail.from ?? 'ada@example.test', to: mail.to ?? 'bob@lab.test', subject, text: mail.text ?? `${subject}\n` });
    return /queued as (\w+)/.exec(info.response)?.[1] ?? '';
  } finally {
    transport.close();
  }
}
