/**
 * The lab's mail world. Every domain sits under the reserved .test top-level domain (RFC 2606),
 * and every address in the documentation range 192.0.2.0/24 (RFC 5737), so nothing here can be
 * mistaken for, or leak to, the real Internet. Each domain exists to show one thing.
 */
import { LAB_RELAY } from './lab-relay';
import { mtaStsRecord } from './mta-sts';
import type { DomainDefinition, HostDefinition, MagicLocalPart, Middlebox, WorldDefinition } from './world-types';

/** Size limit of hosts that do not set their own (bytes). */
export const DEFAULT_MAX_MESSAGE_SIZE = 10 * 1024 * 1024;
/** small.test's limit: a photo attachment is enough to trip it. */
export const SMALL_MESSAGE_SIZE = 10_240;
/** A greylisted pair is accepted once it comes back at least this long after its first try (lab clock). */
export const GREYLIST_MIN_DELAY_MS = 60_000;
/** How long slow@ takes to answer each of its replies (real time: it is a wire delay, not a queue wait). */
export const SLOW_REPLY_MS = 1_500;
/** How long after accepting bounce@'s mail its host changes its mind (lab clock). */
export const LATE_BOUNCE_DELAY_MS = 30_000;
export { MAX_DELIVERY_ATTEMPTS, RETRY_BASE_MS } from './lab-queue';

export const MAGIC_LOCAL_PARTS: Readonly<Record<MagicLocalPart, string>> = {
  full: 'Mailbox full: 452 4.2.2 at RCPT, so the relay keeps retrying until it gives up',
  greylist: 'Greylisted: 451 4.7.1 on the first try, accepted when the relay retries later',
  slow: `Slow: every reply takes ${SLOW_REPLY_MS / 1000} s, the mail still arrives`,
  tempfail: 'Temporary failure: 451 4.3.0 at RCPT on every try',
  bounce: 'Accepted with 250, then bounced afterwards (a late bounce the sender gets as a DSN)',
};

/** The man in the middle on the path to stripped.test and stripped-sts.test (RFC 3207 §6). */
export const STRIPPING_MIDDLEBOX: Middlebox = {
  name: 'middlebox.on-path.test',
  address: '192.0.2.200',
  strips: 'STARTTLS',
  behaviour: 'Sits on the path from the relay: passes every line on, but removes 250-STARTTLS from the EHLO reply and answers a STARTTLS command itself with 502, so the relay sees no TLS on offer',
};

const host = (name: string, address: string, behaviour: string, extra: Partial<HostDefinition> = {}): HostDefinition => ({
  name,
  address,
  up: true,
  starttls: 'offered',
  behaviour,
  ...extra,
});

/** The forwarder of the Forwarding and ARC unit: an alias, a mailing list and an ARC key. */
export const FORWARD_DOMAIN = 'forward.test';
export const FORWARD_HOST = 'mx.forward.test';
const FORWARD_TEST: DomainDefinition = {
  name: FORWARD_DOMAIN,
  role: 'A forwarder: bob@ is an alias that re-sends to bob@example.test with the MAIL FROM kept (SPF then fails); team@ is a mailing list that tags the subject and adds a footer (DKIM then fails). It seals both with ARC (RFC 8617)',
  mx: [{ preference: 10, exchange: FORWARD_HOST }],
  a: ['192.0.2.170'],
  users: ['postmaster', 'team-owner'],
  magicLocalParts: false,
  greylistAll: false,
  // Its own mail (the list's bounce address) comes from its MX; its ARC key is added when the world starts.
  txt: [
    { name: FORWARD_DOMAIN, text: 'v=spf1 mx -all' },
    { name: `_dmarc.${FORWARD_DOMAIN}`, text: 'v=DMARC1; p=none' },
  ],
  forwarding: {
    aliases: [{ address: `bob@${FORWARD_DOMAIN}`, to: 'bob@example.test' }],
    lists: [
      {
        address: `team@${FORWARD_DOMAIN}`,
        members: ['carol@example.test'],
        subjectTag: '[team]',
        footer: `You are on the team list. To leave, write to team-owner@${FORWARD_DOMAIN}.`,
        bounces: `team-owner@${FORWARD_DOMAIN}`,
      },
    ],
    arcSelector: 'arc',
  },
};

export const LAB_WORLD: WorldDefinition = {
  relay: { ...LAB_RELAY },
  domains: [
    {
      name: 'lab.test',
      role: "The learner's provider: its submission server takes your mail and its relay sends it on",
      mx: [{ preference: 10, exchange: 'mx.lab.test' }],
      a: ['192.0.2.10'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
      // Only the relay sends for lab.test; its DKIM key record is added when the world starts.
      txt: [
        { name: 'lab.test', text: 'v=spf1 ip4:192.0.2.10 -all' },
        { name: '_dmarc.lab.test', text: 'v=DMARC1; p=reject; adkim=r; aspf=r' },
      ],
    },
    {
      name: 'example.test',
      role: 'A well-behaved provider with users alice, bob and carol, and magic addresses that misbehave on purpose',
      mx: [{ preference: 10, exchange: 'mx.example.test' }],
      a: ['192.0.2.20'],
      users: ['alice', 'bob', 'carol'],
      magicLocalParts: true,
      greylistAll: false,
      // Strict on purpose: mail claiming to be from example.test that its own hosts did not send is refused.
      txt: [
        { name: 'example.test', text: 'v=spf1 mx -all' },
        { name: '_dmarc.example.test', text: 'v=DMARC1; p=reject' },
      ],
    },
    {
      name: 'fallback.test',
      role: 'Two MX records: the preferred host is down, so the relay falls back to the second',
      mx: [
        { preference: 10, exchange: 'mx1.fallback.test' },
        { preference: 20, exchange: 'mx2.fallback.test' },
      ],
      a: ['192.0.2.30'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
      // The milder policy: an impostor's mail is still delivered, marked as quarantined.
      txt: [
        { name: 'fallback.test', text: 'v=spf1 mx -all' },
        { name: '_dmarc.fallback.test', text: 'v=DMARC1; p=quarantine' },
      ],
    },
    {
      name: 'greylist.test',
      role: 'Greylists everyone: the first try is deferred, a retry after a minute is accepted',
      mx: [{ preference: 10, exchange: 'mx.greylist.test' }],
      a: ['192.0.2.40'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: true,
    },
    {
      name: 'tls-required.test',
      role: 'Publishes an MTA-STS policy (RFC 8461, mode enforce): mail for it travels only over verified TLS. Its preferred MX has lost STARTTLS, so the relay refuses it and delivers to the second',
      mx: [
        { preference: 10, exchange: 'mx.tls-required.test' },
        { preference: 20, exchange: 'mx2.tls-required.test' },
      ],
      a: ['192.0.2.50'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
      txt: [mtaStsRecord('tls-required.test', '20261201T000000')],
      mtaSts: { mode: 'enforce', mx: ['mx.tls-required.test', 'mx2.tls-required.test'], maxAge: 604_800 },
    },
    {
      name: 'small.test',
      role: `Takes messages up to ${SMALL_MESSAGE_SIZE / 1024} KB only`,
      mx: [{ preference: 10, exchange: 'mx.small.test' }],
      a: ['192.0.2.60'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
    },
    {
      name: 'nullmx.test',
      role: 'Publishes a null MX (RFC 7505): it takes no mail, so the relay bounces without trying',
      mx: [{ preference: 0, exchange: '.' }],
      a: [],
      users: [],
      magicLocalParts: false,
      greylistAll: false,
      // A domain that takes no mail sends none either (RFC 7505 §4.3): any mail in its name is forged.
      txt: [
        { name: 'nullmx.test', text: 'v=spf1 -all' },
        { name: '_dmarc.nullmx.test', text: 'v=DMARC1; p=reject' },
      ],
    },
    {
      name: 'nomx.test',
      role: 'No MX record at all: mail goes to the address of the domain itself (implicit MX, RFC 5321 §5.1)',
      mx: [],
      a: ['192.0.2.80'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
      // SPF but no DMARC: a receiver learns the sender's address is forged and has no policy to apply.
      txt: [{ name: 'nomx.test', text: 'v=spf1 a -all' }],
    },
    {
      name: 'stripped.test',
      role: 'Its MX offers STARTTLS, but a middlebox on the path removes it from the EHLO reply: the relay, seeing no STARTTLS, sends in clear (a downgrade, RFC 3207 §6)',
      mx: [{ preference: 10, exchange: 'mx.stripped.test' }],
      a: ['192.0.2.150'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
    },
    {
      name: 'stripped-sts.test',
      role: 'Behind the same middlebox, but publishes an MTA-STS policy (RFC 8461, mode enforce): the relay will not send in clear, so the mail waits in the queue',
      mx: [{ preference: 10, exchange: 'mx.stripped-sts.test' }],
      a: ['192.0.2.155'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
      txt: [mtaStsRecord('stripped-sts.test', '20261205T000000')],
      mtaSts: { mode: 'enforce', mx: ['mx.stripped-sts.test'], maxAge: 604_800 },
    },
    FORWARD_TEST,
    {
      name: 'chunks.test',
      role: 'Its MX offers CHUNKING (RFC 3030): a message may arrive in counted BDAT chunks instead of DATA',
      mx: [{ preference: 10, exchange: 'mx.chunks.test' }],
      a: ['192.0.2.145'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
    },
    {
      name: 'strict.test',
      role: 'Its MX is strict about who is calling: the EHLO name must be fully qualified and be the PTR name of the connecting address',
      mx: [{ preference: 10, exchange: 'mx.strict.test' }],
      a: ['192.0.2.160'],
      users: 'any',
      magicLocalParts: false,
      greylistAll: false,
    },
  ],
  hosts: [
    host('mx.lab.test', '192.0.2.11', "Delivers mail for lab.test into its users' mailboxes, bounces included"),
    host('mx.example.test', '192.0.2.21', 'Knows alice, bob and carol; unknown users get 550 5.1.1; magic addresses behave as listed', {
      // The lab setting of the Forwarding and ARC unit: forward.test's seal may outweigh a DMARC failure.
      trustedArcSealers: [FORWARD_DOMAIN],
    }),
    host('mx1.fallback.test', '192.0.2.31', 'Down: refuses every connection', { up: false }),
    host('mx2.fallback.test', '192.0.2.32', 'The backup MX: takes the mail the preferred host could not'),
    host('mx.greylist.test', '192.0.2.41', 'Answers 451 4.7.1 to a first attempt, accepts a retry after a minute'),
    host('mx.tls-required.test', '192.0.2.51', 'Offers no STARTTLS (as when an attacker strips it from the EHLO reply): a sender that honours MTA-STS will not deliver here', {
      starttls: 'none',
    }),
    host('mx2.tls-required.test', '192.0.2.52', 'Offers STARTTLS with a certificate the relay verifies: where mail for tls-required.test arrives'),
    host('mx.small.test', '192.0.2.61', `SIZE ${SMALL_MESSAGE_SIZE}: a bigger message gets 552 5.3.4`, { maxMessageSize: SMALL_MESSAGE_SIZE }),
    host('nomx.test', '192.0.2.80', 'The domain host itself, reached through its A record; speaks plain SMTP without STARTTLS', {
      starttls: 'none',
    }),
    host('mx.stripped.test', '192.0.2.151', 'Offers STARTTLS, but the relay reaches it through middlebox.on-path.test, which strips it', { onPath: STRIPPING_MIDDLEBOX }),
    host('mx.stripped-sts.test', '192.0.2.156', 'Offers STARTTLS, behind the same stripping middlebox; its domain publishes MTA-STS in enforce mode', { onPath: STRIPPING_MIDDLEBOX }),
    host(FORWARD_HOST, '192.0.2.171', 'A forwarder: sends mail for its alias and its list on through the lab, sealed with ARC; keeps the rest'),
    host('mx.chunks.test', '192.0.2.146', 'Lists CHUNKING in its EHLO reply and takes BDAT <octets> [LAST]: it reads exactly that many octets, with no dot-stuffing and no final dot', {
      chunking: true,
    }),
    host('mx.strict.test', '192.0.2.161', 'Refuses an EHLO name that is not fully qualified (504 5.5.2), an address without a PTR name that leads back to it (450 4.7.25), and a name that is not that PTR name (550 5.7.1)', {
      strictHelo: true,
    }),
  ],
};
