/** The cookie that names a browser's lab in hosted mode. */
import type { IncomingMessage } from 'node:http';
import { LAB_COOKIE } from './lab-directory';

/** The lab id in a Cookie header, if there is one. */
export function readLabCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === LAB_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Not readable by scripts (HttpOnly) and never sent by another site's page (SameSite=Strict). It
 * outlives the lab on purpose: a reload after the lab closed gets a new lab, not an error.
 */
export function labCookie(id: string, req: IncomingMessage): string {
  const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${LAB_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${7 * 24 * 3600}${secure}`;
}
