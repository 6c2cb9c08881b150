import { describe, expect, it } from 'vitest';
import { arcAuthResults, forwardEnvelope, forwardTargetOf, listCopy } from './forwarding';
import { decideRecipient, domainsServedBy, REPLIES } from './recipient-policy';
import { FORWARD_HOST, LAB_WORLD } from './world-definition';

const forwardHost = LAB_WORLD.hosts.find((h) => h.name === FORWARD_HOST)!;
const served = domainsServedBy(LAB_WORLD, forwardHost);
const team = served[0]!.forwarding!.lists[0]!;

describe('forwarding rules', () => {
  it('mx.forward.test takes its alias and its list without a mailbox for them, and refuses strangers', () => {
    expect(decideRecipient(served, 'bob@forward.test')).toEqual({ action: 'accept', slow: false, lateBounce: false });
    expect(decideRecipient(served, 'TEAM@forward.test').action).toBe('accept');
    expect(decideRecipient(served, 'team-owner@forward.test').action).toBe('accept');
    expect(decideRecipient(served, 'eve@forward.test')).toEqual({ action: 'refuse', reply: REPLIES.unknownUser, slow: false });
    expect(forwardTargetOf(served, 'team-owner@forward.test')).toBeNull();
  });

  it('an alias keeps the author\'s MAIL FROM; a list sends with its own bounce address to every member', () => {
    const alias = forwardTargetOf(served, 'bob@forward.test')!;
    expect(forwardEnvelope(alias, 'learner@lab.test')).toEqual({ envelopeFrom: 'learner@lab.test', envelopeTo: ['bob@example.test'] });
    expect(forwardEnvelope({ kind: 'list', list: team }, 'learner@lab.test')).toEqual({ envelopeFrom: 'team-owner@forward.test', envelopeTo: ['carol@example.test'] });
  });

  it('a list tags the subject once, adds List-Id and the footer, and leaves the rest as it came', () => {
    const copy = listCopy(team, 'From: a@lab.test\r\nSubject: Meeting\r\n\r\nSee you.\r\n');
    expect(copy).toBe(`List-Id: <team.forward.test>\r\nFrom: a@lab.test\r\nSubject: [team] Meeting\r\n\r\nSee you.\r\n-- \r\n${team.footer}\r\n`);
    expect(listCopy(team, 'Subject: Re: [team] Meeting\r\n\r\nx')).toContain('Subject: Re: [team] Meeting\r\n\r\nx\r\n-- \r\n');
    expect(listCopy(team, 'From: a@lab.test\r\n\r\nNo subject.\r\n')).toContain('From: a@lab.test\r\nSubject: [team]\r\n\r\n');
  });

  it('the ARC-Authentication-Results carries the host\'s own header alone, without its field name', () => {
    const header = 'Authentication-Results: mx.forward.test;\r\n spf=pass;\r\n dmarc=pass\r\nX-Lab-Quarantine: no\r\n';
    expect(arcAuthResults(header)).toBe('mx.forward.test;\r\n spf=pass;\r\n dmarc=pass');
  });
});
