/**
 * The learner's domain through the JSON API:
 *   GET  /api/world/domains/<domain>/records   → { domain, records }
 *   PUT  /api/world/domains/<domain>/records   { records, mtaSts? } → the new set, or 400 with every bad record
 *        (`mtaSts`: the policy file the world serves, { mode, mx, maxAge } or null; left out: kept)
 *   POST /api/world/domains/<domain>/reset     → the working set again
 *   POST /api/world/domains/<domain>/dkim-keys { algorithm, selector? } → 201 the key's record
 *   GET  /api/world/domains/<domain>/zone      → zone-file lines;  PUT the same to import them
 * Only the lab's own domain answers: another lab's is "not found", as if it did not exist.
 * Writes carry JSON (or, for the import, use PUT): a cross-site page cannot send either without
 * the browser asking first, and this API never says yes.
 */
import type { IncomingMessage } from 'node:http';
import { fromZoneFile, MAX_ZONE_BODY_BYTES, toZoneFile } from '../../core/world/learner-zone';
import { dkimKeyRequestSchema } from '../../core/protocol/messages';
import type { Lab } from '../lab/lab-types';
import { KeyBusyError } from '../world/learner-domain';

export interface ZoneReplies {
  json(status: number, value: unknown): void;
  text(status: number, body: string, contentType: string): void;
}

const ZONE_PATH = /^\/api\/world\/domains\/([\w.-]{1,253})\/(records|reset|dkim-keys|zone)$/;

/** Handles the request when its path is the zone's; returns false otherwise. */
export function handleZoneApi(lab: Lab, req: IncomingMessage, pathname: string, reply: ZoneReplies): boolean {
  const match = ZONE_PATH.exec(pathname);
  if (!match) return false;
  const [, domain = '', part] = match;
  const learner = lab.learnerDomain;
  const method = req.method ?? 'GET';
  const allowed = part === 'records' || part === 'zone' ? ['GET', 'HEAD', 'PUT'] : ['POST'];
  if (domain.toLowerCase() !== learner.domain) {
    reply.json(404, { error: `${domain} is not this lab's domain; yours is ${learner.domain}` });
    return true;
  }
  if (!allowed.includes(method)) {
    reply.json(405, { error: `${pathname} takes ${allowed.join(', ')}` });
    return true;
  }
  if (method === 'GET' || method === 'HEAD') {
    if (part === 'zone') reply.text(200, toZoneFile(learner.zone()), 'text/plain; charset=utf-8');
    else reply.json(200, learner.zone());
    return true;
  }
  if (part === 'reset') {
    reply.json(200, learner.reset());
    return true;
  }
  const wantsJson = part !== 'zone';
  if (wantsJson && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    reply.json(415, { error: 'Send the body as JSON (Content-Type: application/json)' });
    return true;
  }
  void readBody(req, MAX_ZONE_BODY_BYTES).then(async (body) => {
    if (body === null) return reply.json(413, { error: `The body is over ${MAX_ZONE_BODY_BYTES} bytes` });
    if (part === 'zone') {
      const read = fromZoneFile(body);
      if (read.errors.length) return reply.json(400, { error: 'Some lines could not be read; nothing was changed', errors: read.errors });
      return answerReplace(learner.replace({ records: read.records, ...(read.mtaSts ? { mtaSts: read.mtaSts } : {}) }));
    }
    let data: unknown;
    try {
      data = JSON.parse(body);
    } catch {
      return reply.json(400, { error: 'The body is not valid JSON' });
    }
    if (part === 'dkim-keys') {
      const asked = dkimKeyRequestSchema.safeParse(data);
      if (!asked.success) return reply.json(400, { error: asked.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      try {
        return reply.json(201, await learner.generateKey(asked.data.algorithm, asked.data.selector));
      } catch (error) {
        if (error instanceof KeyBusyError) return reply.json(429, { error: error.message });
        throw error;
      }
    }
    answerReplace(learner.replace(data));
  }).catch((error: unknown) => reply.json(500, { error: `The zone was not changed: ${String(error)}` }));
  return true;

  function answerReplace(checked: ReturnType<Lab['learnerDomain']['replace']>): void {
    if (checked.ok) reply.json(200, learner.zone());
    else reply.json(400, { error: `${checked.errors.length} record${checked.errors.length === 1 ? '' : 's'} refused; nothing was changed`, errors: checked.errors });
  }
}

/** The body as text, or null once it passes `maxBytes` (the rest is not read). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
