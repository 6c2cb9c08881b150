/**
 * The stripping box's framing, line by line, with both ends driven by hand: the cases a real
 * smtp-server does not produce (STARTTLS as the last EHLO line, a STARTTLS pipelined behind
 * commands still unanswered). The whole box over real SMTP and TLS is in
 * tests/integration/starttls-stripping.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { memorySocketPair } from '../tap/memory-pair';
import { stripStartTls, STRIPPED_STARTTLS_REPLY } from './starttls-stripper';

const peer = { remoteAddress: '192.0.2.10', remotePort: 4000 };

function box() {
  const relay = memorySocketPair(peer);
  const host = memorySocketPair(peer);
  stripStartTls(relay.far, host.near);
  const toRelay: string[] = [];
  const toHost: string[] = [];
  relay.near.on('data', (chunk: Buffer) => toRelay.push(chunk.toString()));
  host.far.on('data', (chunk: Buffer) => toHost.push(chunk.toString()));
  const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
  return {
    relayWrites: async (text: string) => (relay.near.write(text), tick()),
    hostWrites: async (text: string) => (host.far.write(text), tick()),
    relaySaw: () => toRelay.join(''),
    hostSaw: () => toHost.join(''),
  };
}

describe('the STARTTLS-stripping box', () => {
  it('ends the EHLO reply on the line before when STARTTLS was its last line', async () => {
    const b = box();
    await b.hostWrites('220 mx.test ESMTP\r\n');
    await b.relayWrites('EHLO relay.test\r\n');
    await b.hostWrites('250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n');
    expect(b.relaySaw()).toBe('220 mx.test ESMTP\r\n250-mx.test\r\n250 PIPELINING\r\n');
    expect(b.hostSaw()).toBe('EHLO relay.test\r\n');
  });

  it('answers a STARTTLS pipelined behind an unanswered NOOP only after the host answered the NOOP', async () => {
    const b = box();
    await b.hostWrites('220 mx.test ESMTP\r\n');
    await b.relayWrites('EHLO relay.test\r\n');
    await b.hostWrites('250-mx.test\r\n250-STARTTLS\r\n250 PIPELINING\r\n');
    await b.relayWrites('NOOP\r\nSTARTTLS\r\n');
    expect(b.relaySaw()).not.toContain(STRIPPED_STARTTLS_REPLY);
    expect(b.hostSaw()).toBe('EHLO relay.test\r\nNOOP\r\n');
    await b.hostWrites('250 2.0.0 OK\r\n');
    expect(b.relaySaw()).toMatch(/250 2\.0\.0 OK\r\n502 5\.5\.1 Command not implemented\r\n$/);
  });

  it('leaves a STARTTLS line in a reply to anything but EHLO as it is', async () => {
    const b = box();
    await b.hostWrites('220 mx.test ESMTP\r\n');
    await b.relayWrites('HELP\r\n');
    await b.hostWrites('214-Commands:\r\n214-STARTTLS\r\n214 End\r\n');
    expect(b.relaySaw()).toContain('214-STARTTLS\r\n');
  });
});
