/**
 * Tamper in transit through the JSON API, for this lab alone (hosted labs each have their own):
 *   PUT /api/world/hosts/<host>/tamper  { "mode": "body" }  → { host, tamper }
 * Modes: off, body, signed-header, unsigned-header (core/world/tamper.ts). `GET /api/world`
 * shows every host's switch as `tamper`. A JSON body keeps a cross-site page from sending it.
 */
import type { IncomingMessage } from 'node:http';
import { TAMPER_MODES, type TamperMode } from '../../core/world/tamper';
import type { Lab } from '../lab/lab-types';
import { readBody, type ZoneReplies } from './zone-api';

const TAMPER_PATH = /^\/api\/world\/hosts\/([\w.-]{1,253})\/tamper$/;
/** `{"mode":"unsigned-header"}` and some room: anything longer is not a switch. */
const MAX_TAMPER_BODY_BYTES = 1024;

/** Handles the request when its path is a host's switch; returns false otherwise. */
export function handleTamperApi(lab: Lab, req: IncomingMessage, pathname: string, reply: Pick<ZoneReplies, 'json'>): boolean {
  const match = TAMPER_PATH.exec(pathname);
  if (!match) return false;
  const host = (match[1] ?? '').toLowerCase();
  const known = lab.describeWorld().hosts.find((h) => h.name === host);
  if (!known) {
    reply.json(404, { error: `${host} is not a mail host of this lab's world` });
    return true;
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    reply.json(200, { host, tamper: known.tamper ?? 'off' });
    return true;
  }
  if (req.method !== 'PUT') {
    reply.json(405, { error: `${pathname} takes GET, PUT` });
    return true;
  }
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    reply.json(415, { error: 'Send the body as JSON (Content-Type: application/json)' });
    return true;
  }
  void readBody(req, MAX_TAMPER_BODY_BYTES).then((body) => {
    if (body === null) return reply.json(413, { error: `The body is over ${MAX_TAMPER_BODY_BYTES} bytes` });
    let mode: unknown;
    try {
      mode = (JSON.parse(body) as { mode?: unknown } | null)?.mode;
    } catch {
      return reply.json(400, { error: 'The body is not valid JSON' });
    }
    if (!(TAMPER_MODES as readonly unknown[]).includes(mode)) return reply.json(400, { error: `mode is one of ${TAMPER_MODES.join(', ')}` });
    lab.setTamper(host, mode as TamperMode);
    reply.json(200, { host, tamper: mode });
  }).catch((error: unknown) => reply.json(500, { error: `The switch was not changed: ${String(error)}` }));
  return true;
}
