/**
 * Generators of hostile WebSocket input for the bridge: random frames, random JSON, valid messages
 * bent out of shape, and well-formed messages that name things that do not exist.
 */
import { MAX_CLIENT_MESSAGE_BYTES, MAX_TERMINAL_LINE } from '../../core/protocol/messages';
import type { Rng } from '../support/prng';

export type WsCase = { kind: 'binary'; bytes: Buffer } | { kind: 'text'; text: string };

const TYPES = ['terminal.open', 'terminal.line', 'terminal.lines', 'terminal.close', 'conversation.get', 'compose.send', 'clock.advance', 'delivery.control', 'scenario.apply', 'seat.reply', 'seat.hangup'];
const EVIL_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'type ', 'TYPE', '\u0000', '\ud800'];

/** Valid messages, each naming ids that no lab has; compose is instant so a valid one finishes by itself. */
function template(rng: Rng): Record<string, unknown> {
  const id = rng.pick(['c1', 'does-not-exist', 'x'.repeat(64), rng.string(rng.int(1, 64)), '../../etc/passwd', '%00', 'd00000']);
  const ref = rng.chance(0.7) ? rng.string(rng.int(0, 64)) : undefined;
  const base = ref === undefined ? {} : { ref };
  switch (rng.pick(TYPES)) {
    case 'terminal.open':
      if (rng.chance(0.2)) return { type: 'terminal.open', ...base, host: rng.pick(['mx.example.test', 'mx1.fallback.test', 'mx.nowhere.test']) };
      return { type: 'terminal.open', ...base, ...(rng.chance(0.5) ? { server: rng.pick(['welcoming', 'mx', 'submission']) } : {}) };
    case 'terminal.line':
      return { type: 'terminal.line', ...base, conversation: id, text: rng.string(rng.int(0, 80)) };
    case 'terminal.lines':
      return { type: 'terminal.lines', ...base, conversation: id, lines: [rng.string(5), rng.string(10)] };
    case 'terminal.close':
      return { type: 'terminal.close', ...base, conversation: id };
    case 'conversation.get':
      return { type: 'conversation.get', ...base, conversation: id };
    case 'compose.send':
      return {
        type: 'compose.send',
        ...base,
        compose: { from: 'learner@lab.test', to: ['friend@lab.test'], cc: [], bcc: [], subject: 'fuzz', text: 'hi', attachments: [] },
        connection: { profile: 'plain' },
        mode: 'instant',
      };
    case 'clock.advance':
      return { type: 'clock.advance', ...base, ms: rng.int(1, 3_600_000) };
    case 'scenario.apply':
      if (rng.chance(0.3)) return { type: 'scenario.apply', ...base, scenario: null };
      return {
        type: 'scenario.apply',
        ...base,
        fresh: rng.chance(0.5),
        scenario: {
          world: { hosts: [{ name: 'mx.example.test', up: rng.chance(0.5), behaviour: 'fuzzed' }], domains: [{ name: rng.pick(['example.test', 'nowhere.test']), mx: [] }] },
          mailboxes: [{ mailbox: 'alice@example.test', from: '', raw: `Subject: ${rng.string(8)}\n\n${rng.string(20)}` }],
          queue: [{ from: 'learner@lab.test', to: ['bob@example.test'], attempts: rng.int(1, 4), retryIn: 60_000, last: '451 4.7.1 Later', raw: 'Subject: q\n\nq' }],
        },
      };
    case 'seat.reply':
      return { type: 'seat.reply', ...base, conversation: id, lines: [rng.pick(['250 OK', '250-', '250 5.1.1 x', rng.string(12)])] };
    case 'seat.hangup':
      return { type: 'seat.hangup', ...base, conversation: id };
    default:
      return { type: 'delivery.control', ...base, delivery: id, action: rng.pick(['next', 'play', 'pause', 'run', 'abort']), intervalMs: 50 };
  }
}

/** Any JSON value, a few levels deep, with the keys and strings that trip careless code. */
export function randomJson(rng: Rng, depth = 3): unknown {
  switch (rng.int(0, depth > 0 ? 8 : 5)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, rng.int(-1e9, 1e9)]);
    case 3:
      return rng.unicode(rng.int(0, 40));
    case 4:
      return rng.pick(TYPES);
    case 5:
      return rng.string(rng.int(0, 20));
    case 6:
      return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(0, 5); i > 0; i--) setOwn(out, rng.chance(0.4) ? rng.pick(EVIL_KEYS) : rng.string(rng.int(1, 8)), randomJson(rng, depth - 1));
      return out;
    }
  }
}

/** An own, enumerable property even for "__proto__", so that JSON.stringify sends it. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/** Strings at and just past the limits the protocol states. */
function edgeString(rng: Rng): string {
  const length = rng.pick([63, 64, 65, 998, 999, MAX_TERMINAL_LINE - 1, MAX_TERMINAL_LINE, MAX_TERMINAL_LINE + 1]);
  return rng.chance(0.5) ? 'A'.repeat(length) : '\u00e9\u{1f4e7}'.repeat(Math.ceil(length / 3)).slice(0, length);
}

function deepNesting(rng: Rng): string {
  const depth = rng.pick([100, 1_000, 20_000]);
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function mutate(rng: Rng, message: Record<string, unknown>): string {
  const keys = Object.keys(message);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const key = rng.pick(keys.length ? keys : ['type']);
    switch (rng.int(0, 6)) {
      case 0:
        delete message[key];
        break;
      case 1:
        message[key] = randomJson(rng);
        break;
      case 2:
        setOwn(message, rng.pick(EVIL_KEYS), randomJson(rng));
        break;
      case 3:
        message[key] = edgeString(rng);
        break;
      case 4:
        message[key] = rng.pick([[], {}, null, 0, true, '', [message.type]]);
        break;
      case 5:
        message.type = rng.pick([...TYPES.map((t) => t.toUpperCase()), 'terminal.open ', 'welcome', 'error', rng.unicode(8)]);
        break;
      default: {
        // Nesting spliced in as text: an object this deep cannot be built and stringified cheaply.
        const text = JSON.stringify(message);
        return text.replace(/}$/, `,"deep":${deepNesting(rng)}}`);
      }
    }
  }
  return JSON.stringify(message);
}

/** One hostile message. `huge` allows the few multi-megabyte ones a run can afford. */
export function wsCase(rng: Rng, huge: boolean): WsCase {
  const roll = rng.int(0, 99);
  if (roll < 10) return { kind: 'binary', bytes: rng.bytes(rng.int(0, 512)) };
  if (roll < 18) {
    const text = JSON.stringify(template(rng));
    return { kind: 'text', text: rng.chance(0.5) ? text.slice(0, rng.int(0, text.length - 1)) : rng.unicode(rng.int(0, 64)) };
  }
  if (roll < 30) return { kind: 'text', text: JSON.stringify(randomJson(rng)) ?? 'null' };
  if (roll < 33) return { kind: 'text', text: deepNesting(rng) };
  if (huge && roll < 34) {
    // Either side of the size limit: the first is parsed and refused, the second refused by size.
    const size = MAX_CLIENT_MESSAGE_BYTES + rng.pick([-64, 1, 1024]);
    return { kind: 'text', text: `{"type":"terminal.line","conversation":"c1","text":"${'B'.repeat(size - 50)}"}` };
  }
  if (roll < 75) return { kind: 'text', text: mutate(rng, template(rng)) };
  return { kind: 'text', text: JSON.stringify(template(rng)) };
}
