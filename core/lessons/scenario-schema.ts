/**
 * A lesson's scenario: what the lab's mail world looks like while the lesson is open. It changes
 * records and hosts the world already models (LAB_WORLD), puts a message into a mailbox, and leaves
 * a message deferred in the relay queue. The bridge applies it to the learner's lab only, and undoes
 * it when the lesson restarts, closes or another opens. The browser sends it with `scenario.apply`,
 * so the same schema checks it in a lesson file and at the bridge's boundary.
 */
import { TAMPER_MODES } from '../world/tamper';
import { z } from 'zod';
import { TERMINAL_SERVERS, type TerminalTarget } from '../protocol/terminal-servers';
import { LAB_WORLD } from '../world/world-definition';
import { zoneEditSchema } from './zone-edits';

/** Largest message a scenario may seed (characters of its source): a message to read, not a load test. */
export const MAX_SEED_CHARACTERS = 64 * 1024;
/** Messages a scenario may seed, in mailboxes and in the queue together. */
export const MAX_SEEDS = 20;

const DOMAINS = LAB_WORLD.domains.map((domain) => domain.name);
const HOSTS = LAB_WORLD.hosts.map((host) => host.name);

const name = z.string().min(1).max(255).regex(/^[a-z0-9._-]+$/, { message: "must be a lower-case host or domain name" });
const address = z.string().min(3).max(254).regex(/^[^\s@<>]*@[a-z0-9.-]+$/, { message: 'must be an address like alice@example.test' });

/** The message source as written in the lesson (YAML `|` block): a header section, an empty line, a body. */
const rawMessage = z
  .string()
  .min(1)
  .refine((raw) => /^[\x21-\x39\x3b-\x7e]+:/.test(raw), { message: 'must start with a header field ("Name: value")' })
  .refine((raw) => /\r?\n\r?\n/.test(raw), { message: 'must have an empty line between its header and its body' })
  .refine((raw) => raw.length <= MAX_SEED_CHARACTERS, { message: `is longer than ${MAX_SEED_CHARACTERS} characters, the most a scenario may seed` });

/** Changes to one lab domain: each field given replaces the domain's own. */
const domainOverrideSchema = z.strictObject({
  name: name.refine((domain) => DOMAINS.includes(domain), { message: `is no domain of the lab world (${DOMAINS.join(', ')})` }),
  /** Its MX records; [] removes them all (mail then goes to the domain's A record). */
  mx: z.array(z.strictObject({ preference: z.number().int().min(0).max(65535), exchange: z.string().min(1) })).optional(),
  a: z.array(z.string().regex(/^192\.0\.2\.\d{1,3}$/, { message: 'must be in the documentation range 192.0.2.0/24' })).optional(),
  /** Every TXT record at or below the domain (SPF, DMARC, DKIM keys): replaced as a whole. */
  txt: z.array(z.strictObject({ name, text: z.string().min(1).max(2048) })).optional(),
  users: z.union([z.literal('any'), z.array(z.string().min(1).max(64))]).optional(),
  greylistAll: z.boolean().optional(),
  role: z.string().min(3).optional(),
});

/** A mail host of the lab world, by name: one a terminal can talk to directly, or a scenario can change. */
export const worldHostSchema = name.refine((host) => HOSTS.includes(host), { message: `is no mail host of the lab world (${HOSTS.join(', ')})` });

/** Where Connect opens a terminal: one of the lab's servers, or straight to a world host (be the MTA). */
export const terminalTargetSchema: z.ZodType<TerminalTarget> = z.union([z.enum(TERMINAL_SERVERS), z.strictObject({ host: worldHostSchema })]);

/** Changes to one lab mail host. `behaviour` says, for the world page, what it does now. */
const hostOverrideSchema = z.strictObject({
  name: worldHostSchema,
  behaviour: z.string().min(3),
  /** false: it refuses connections, as a closed port does. */
  up: z.boolean().optional(),
  starttls: z.enum(['offered', 'none']).optional(),
  /** Its advertised SIZE: a bigger message gets 552 5.3.4. */
  maxMessageSize: z.number().int().min(1024).max(50 * 1024 * 1024).optional(),
  /** true: it refuses an EHLO name that is not fully qualified or not the caller's PTR name. */
  strictHelo: z.boolean().optional(),
  /** Tamper in transit: one byte of mail to it changed after signing (core/world/tamper.ts). */
  tamper: z.enum(TAMPER_MODES).optional(),
});

/** A message put into a mailbox as if a lab host had delivered it there. */
const mailboxSeedSchema = z.strictObject({
  mailbox: address,
  /** The envelope sender, written on top as Return-Path as final delivery does; '' for a bounce. */
  from: z.union([address, z.literal('')]),
  /** The message as it arrived, Received: lines included. */
  raw: rawMessage,
});

/** A message sitting in the relay queue, already deferred `attempts` times. */
const queueSeedSchema = z.strictObject({
  from: z.union([address, z.literal('')]),
  to: z.array(address).min(1).max(10),
  attempts: z.number().int().min(1).max(10),
  /** When the next attempt is due, from the moment the scenario is applied (lab clock, ms). */
  retryIn: z.number().int().min(1000).max(7 * 24 * 3600 * 1000),
  /** The reply that deferred it, e.g. "451 4.7.1 Greylisted: please try again later". */
  last: z.string().regex(/^4\d\d [245]\.\d{1,3}\.\d{1,3} \S/, { message: 'must be a 4xx reply with its enhanced code, e.g. "451 4.7.1 Try again later"' }),
  raw: rawMessage,
});

const once = (entries: ReadonlyArray<{ name: string }>) => new Set(entries.map((entry) => entry.name)).size === entries.length;

export const worldOverridesSchema = z.strictObject({
  domains: z.array(domainOverrideSchema).max(DOMAINS.length).default([]).refine(once, { message: 'names a domain twice' }),
  hosts: z.array(hostOverrideSchema).max(HOSTS.length).default([]).refine(once, { message: 'names a host twice' }),
});

/** Records set or removed in the learner's zone (what a scenario may do to it: keys are made by the learner). */
export const scenarioZoneEditSchema = zoneEditSchema.options[0].or(zoneEditSchema.options[1]);

export const scenarioSchema = z
  .strictObject({
    world: worldOverridesSchema.optional(),
    /**
     * The lesson works on the learner's own zone: it opens on the working set with these edits
     * (`[]`: the working set as it is), and the zone as the learner had it, keys and all, is put
     * back when the lesson restarts or closes.
     */
    zone: z.array(scenarioZoneEditSchema).max(10).optional(),
    mailboxes: z.array(mailboxSeedSchema).max(MAX_SEEDS).default([]),
    queue: z.array(queueSeedSchema).max(MAX_SEEDS).default([]),
  })
  .refine((scenario) => scenario.mailboxes.length + scenario.queue.length <= MAX_SEEDS, {
    message: `seeds at most ${MAX_SEEDS} messages in all`,
  });

export type WorldOverrides = z.infer<typeof worldOverridesSchema>;
export type MailboxSeed = z.infer<typeof mailboxSeedSchema>;
export type QueueSeed = z.infer<typeof queueSeedSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;

/** A lesson file's message text has LF line ends (YAML); on the wire and in a mailbox it is CRLF. */
export function seedSource(raw: string): string {
  return raw.replace(/\r?\n/g, '\r\n');
}
