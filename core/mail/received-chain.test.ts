import { describe, expect, it } from 'vitest';
import { splitHeaders } from './header-fields';
import { receivedChain } from './received-chain';

// The newest hop is on top: mx.example.test took the message from the lab's smarthost last.
const { headers } = splitHeaders(
  [
    'Received: from smtp.lab.test (smtp.lab.test [10.0.0.2])',
    '\tby mx.example.test with ESMTPS (TLS1.3 cipher TLS_AES_256_GCM_SHA384) id B2',
    '\tfor <bob@example.test>; Mon, 1 Jan 2024 10:00:05 +0000',
    'Received: from laptop (laptop [10.0.0.9]) by smtp.lab.test with ESMTPSA id A1; Mon, 1 Jan 2024 10:00:01 +0000',
    'Subject: hello',
    '',
    'body',
  ].join('\r\n'),
);

describe('a Received: chain of two hops', () => {
  const chain = receivedChain(headers);
  const oldestFirst = [...chain].sort((a, b) => a.number - b.number);

  it('numbers the hops from the bottom, so hop 1 is where the mail started', () => {
    expect(chain.map((hop) => hop.number)).toEqual([2, 1]);
    expect(oldestFirst.map((hop) => `${hop.from} → ${hop.by}`)).toEqual([
      'laptop (laptop [10.0.0.9]) → smtp.lab.test',
      'smtp.lab.test (smtp.lab.test [10.0.0.2]) → mx.example.test',
    ]);
  });

  it('reads protocol, TLS, id, recipient and date of each hop', () => {
    const [first, second] = oldestFirst;
    expect(first).toMatchObject({ protocol: 'ESMTPSA', tls: null, id: 'A1', for: null, date: 'Mon, 1 Jan 2024 10:00:01 +0000' });
    expect(second).toMatchObject({
      protocol: 'ESMTPS',
      tls: 'TLS1.3 cipher TLS_AES_256_GCM_SHA384',
      id: 'B2',
      for: '<bob@example.test>',
      date: 'Mon, 1 Jan 2024 10:00:05 +0000',
    });
  });

  it('says in words what the protocol name means', () => {
    expect(oldestFirst.map((hop) => hop.protocolWords)).toEqual(['ESMTP over TLS with a login (AUTH)', 'ESMTP over TLS, no login']);
  });

  it('is empty for a message that no server has taken yet', () => {
    expect(receivedChain(splitHeaders('Subject: draft\n\n').headers)).toEqual([]);
  });
});
