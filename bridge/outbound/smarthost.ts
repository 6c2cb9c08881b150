/**
 * The smarthost: the one way mail leaves the lab for the real world, off unless configured. A URL
 * `smtp://user:pass@host:port` (STARTTLS) or `smtps://...` (TLS from the first byte) names it, and
 * only recipient domains on the allow list go through it. The account is kept here and handed to
 * the relay client alone: whatever is printed or shown uses `display`, which carries none of it.
 */
import net from 'node:net';

export interface SmarthostOptions {
  /** `smtp://user:pass@host:port` or `smtps://...`; null or absent: nothing leaves the lab. */
  relay: string | null;
  /** Recipient domains that may be sent to; a name also allows the names below it. */
  allowOutbound: readonly string[];
  /** Trust this CA for the smarthost's certificate instead of the system's (a test's own server). */
  ca?: string;
  /** The name to verify its certificate for, when it differs from the URL's host. */
  servername?: string;
}

export interface Smarthost {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://). */
  secure: boolean;
  login: { user: string; pass: string } | null;
  allowed: string[];
  tls: { servername: string; ca?: string };
  /** The URL without its account, for logs, events and the world page. */
  display: string;
  accepts(domain: string): boolean;
}

/** Parses the options; null when outbound delivery is off. Errors never quote the URL. */
export function parseSmarthost(options: SmarthostOptions | null | undefined): Smarthost | null {
  if (!options?.relay) return null;
  let url: URL;
  try {
    url = new URL(options.relay);
  } catch {
    throw new Error(`The relay URL is not a URL: ${redactUrl(options.relay)}`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`The relay URL must start with smtp:// or smtps://: ${redactUrl(options.relay)}`);
  if (!url.hostname) throw new Error('The relay URL names no host');
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const user = decodeURIComponent(url.username);
  const login = user ? { user, pass: decodeURIComponent(url.password) } : null;
  const allowed = [...new Set(options.allowOutbound.map(normalise).filter(Boolean))];
  return {
    host,
    port,
    secure,
    login,
    allowed,
    tls: { servername: options.servername ?? host, ...(options.ca ? { ca: options.ca } : {}) },
    display: `${url.protocol}//${login ? '[account hidden]@' : ''}${url.host}`,
    accepts: (domain) => {
      const name = normalise(domain);
      return allowed.some((entry) => name === entry || name.endsWith(`.${entry}`));
    },
  };
}

/** A URL as it may be printed: any user name and password replaced. Works on text that is no URL too. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1[account hidden]@');
}

/** Whether a password could cross a network in clear to this host: not when it is this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A TCP connection to the smarthost; rejects with the system's error (no URL in it). */
export function dialSmarthost(smarthost: Smarthost, timeoutMs = 30_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: smarthost.host, port: smarthost.port });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`No answer from ${smarthost.host}:${smarthost.port}`), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function normalise(domain: string): string {
  return domain.trim().toLowerCase().replace(/^\*?\./, '').replace(/\.$/, '');
}
