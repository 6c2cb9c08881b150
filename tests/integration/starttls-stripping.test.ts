/**
 * A man in the middle that strips STARTTLS (RFC 3207 §6), over real SMTP and real TLS: the relay
 * is nodemailer, the MX a real smtp-server that offers STARTTLS, and between them the world's
 * stripping box. Both wires are recorded: the relay's hop and the box's own connection to the host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientLines, lineClient, serverLines, startWorld, type RecordedHop, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

/** The box's own conversation with `host` (recorded under the box's name, with no queue id). */
function boxWire(host: string): RecordedHop | undefined {
  return [...lab.hops.values()].filter((r) => r.hop.host === host && r.hop.client.name === 'middlebox.on-path.test').at(-1);
}

/** The EHLO reply in a recorded hop, its lines in order. */
function ehloReply(record: RecordedHop): string[] {
  const lines = serverLines(record);
  const start = lines.findIndex((line) => /^250-/.test(line));
  const end = lines.findIndex((line, at) => at >= start && /^250 /.test(line));
  return lines.slice(start, end + 1);
}

describe('a middlebox that strips STARTTLS on the way to the MX', () => {
  it('shows on the world page and in the API as a box on the path, with what it does', () => {
    const host = lab.world.describe().hosts.find((h) => h.name === 'mx.stripped.test');
    expect(host?.starttls).toBe('offered');
    expect(host?.onPath).toMatchObject({ name: 'middlebox.on-path.test', strips: 'STARTTLS' });
    expect(host?.onPath?.behaviour).toMatch(/removes 250-STARTTLS/);
  });

  it('the host offers STARTTLS, the relay gets an EHLO reply without it, and sends the message in clear', async () => {
    const queueId = await lab.submit({ to: ['dana@stripped.test'], text: 'IBAN XX00 1234 5678 9012\n' });
    const [hop] = lab.hopsOf(queueId);
    expect(hop?.hop.host).toBe('mx.stripped.test');
    const seenByRelay = ehloReply(hop!);
    const saidByHost = ehloReply(boxWire('mx.stripped.test')!);
    // What the host really said, on the box's wire to it, and what reached the relay.
    expect(saidByHost).toContain('250-STARTTLS');
    expect(seenByRelay.some((line) => /STARTTLS/.test(line))).toBe(false);
    expect(seenByRelay).toEqual(saidByHost.filter((line) => !/STARTTLS/.test(line)));
    // So the relay asked for no TLS and the message crossed both wires in clear.
    expect(clientLines(hop!)).not.toContain('STARTTLS');
    expect(hop!.events.some((e) => e.info === 'tls')).toBe(false);
    expect(hop!.events.some((e) => e.dir === 'client' && !e.tls && e.text === 'IBAN XX00 1234 5678 9012')).toBe(true);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered', host: 'mx.stripped.test' }]);
    const [stored] = lab.world.mailbox('dana@stripped.test');
    // The copy names the relay's hop as the conversation that brought it, so the journey follows it there.
    expect(lab.eventsOf('relay.hop', queueId)[0]?.conversation).toBe(stored?.conversation);
    // The box is transparent: the host names the relay as the client, and its Received: line says ESMTP, not ESMTPS.
    expect(stored?.raw.toString()).toMatch(/Received: from smtp\.lab\.test \(\[192\.0\.2\.10\]\)\r\n\tby mx\.stripped\.test \(SMTP Lab\)\r\n\twith ESMTP\r\n/);
  });

  it('with an MTA-STS policy in enforce mode the relay asks for STARTTLS anyway, hears the box refuse it, and keeps the message', async () => {
    const queueId = await lab.submit({ to: ['dana@stripped-sts.test'], text: 'IBAN XX00 1234 5678 9012\n' });
    const [hop] = lab.hopsOf(queueId);
    expect(hop?.hop.host).toBe('mx.stripped-sts.test');
    expect(ehloReply(hop!).some((line) => /STARTTLS/.test(line))).toBe(false);
    expect(clientLines(hop!)).toContain('STARTTLS');
    expect(serverLines(hop!)).toContain('502 5.5.1 Command not implemented');
    // Nothing of the envelope or the message crossed in clear, on either wire.
    expect(clientLines(hop!).some((line) => /^(MAIL|RCPT|DATA)/.test(line))).toBe(false);
    const box = boxWire('mx.stripped-sts.test')!;
    expect(ehloReply(box)).toContain('250-STARTTLS');
    expect(clientLines(box)).not.toContain('STARTTLS');
    expect(clientLines(box).some((line) => /^(MAIL|RCPT|DATA)|IBAN/.test(line))).toBe(false);
    const [refused] = lab.eventsOf('relay.unreachable', queueId);
    expect(refused?.error).toMatch(/^MTA-STS: stripped-sts\.test publishes a policy in enforce mode/);
    // In the relay's own words (no reply decided it), which do not claim that nobody answered.
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'deferred', response: 'No mail host for stripped-sts.test could be reached over TLS, which the relay requires' }]);
    expect(lab.world.mailbox('dana@stripped-sts.test')).toHaveLength(0);
    expect(lab.world.queue().map((e) => e.queueId)).toContain(queueId);
  });

  it('a connection opened by hand as the relay dials passes the same box: no STARTTLS offered, and a STARTTLS refused by the box', async () => {
    const socket = await lab.world.openHost('mx.stripped.test');
    const client = lineClient(socket);
    expect(await client.reply()).toMatch(/^220 mx\.stripped\.test ESMTP/);
    expect(await client.command('EHLO terminal.lab.test')).not.toContain('STARTTLS');
    expect(await client.command('STARTTLS')).toBe('502 5.5.1 Command not implemented');
    expect(await client.command('MAIL FROM:<learner@lab.test>')).toMatch(/^250 /);
    socket.destroy();
    expect(clientLines(boxWire('mx.stripped.test')!)).toEqual(['EHLO terminal.lab.test', 'MAIL FROM:<learner@lab.test>']);
  });

  it('passes "STARTTLS" inside a message on as text: only a command is taken out', async () => {
    const queueId = await lab.submit({ to: ['erin@stripped.test'], text: 'STARTTLS\nis only a word here\n' });
    const [stored] = lab.world.mailbox('erin@stripped.test');
    // It went through the box (no TLS on the relay's hop), which read the word as message text.
    expect(lab.hopsOf(queueId)[0]?.events.some((e) => e.info === 'tls')).toBe(false);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered' }]);
    expect(stored?.raw.toString()).toMatch(/\r\nSTARTTLS\r\nis only a word here/);
  });
});
