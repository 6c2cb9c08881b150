import { describe, it, expect } from 'vitest';
import { parseCommand, parseParams, isKnownVerb } from './command';

describe('parseCommand', () => {
  it('upper-cases the verb and keeps the argument as typed', () => {
    const parsed = parseCommand('ehlo Client.Example');
    expect(parsed.verb).toBe('EHLO');
    expect(parsed.domain).toBe('Client.Example');
    expect(parsed.problem).toBeNull();
  });

  it('flags EHLO without a domain', () => {
    expect(parseCommand('EHLO').problem).toMatch(/domain/);
  });

  it('reads the path and parameters of MAIL FROM', () => {
    const parsed = parseCommand('MAIL FROM:<alice@example.test> SIZE=2048 body=8BITMIME SMTPUTF8');
    expect(parsed.path).toBe('alice@example.test');
    expect(parsed.params).toEqual({ SIZE: '2048', BODY: '8BITMIME', SMTPUTF8: '' });
    expect(parsed.problem).toBeNull();
  });

  it('accepts the null reverse-path', () => {
    expect(parseCommand('MAIL FROM:<>').path).toBe('');
  });

  it('accepts a lower-case "to:"', () => {
    expect(parseCommand('rcpt to:<bob@example.test>').path).toBe('bob@example.test');
  });

  it('explains a missing FROM:, missing brackets and a missing ">"', () => {
    expect(parseCommand('MAIL alice@example.test').problem).toMatch(/FROM:/);
    expect(parseCommand('MAIL FROM:alice@example.test').problem).toMatch(/angle brackets/);
    expect(parseCommand('RCPT TO:<bob@example.test').problem).toMatch(/closing/);
  });

  it('gives an empty verb for an empty line', () => {
    expect(parseCommand('').verb).toBe('');
  });
});

describe('parseParams', () => {
  it('splits KEY=value and bare keywords, ignoring extra spaces', () => {
    expect(parseParams('  NOTIFY=SUCCESS,FAILURE   ORCPT=rfc822;bob@example.test ')).toEqual({
      NOTIFY: 'SUCCESS,FAILURE',
      ORCPT: 'rfc822;bob@example.test',
    });
  });

  it('keeps an "=" inside the value', () => {
    expect(parseParams('ENVID=a=b')).toEqual({ ENVID: 'a=b' });
  });
});

describe('isKnownVerb', () => {
  it('knows STARTTLS and not FOO', () => {
    expect(isKnownVerb('STARTTLS')).toBe(true);
    expect(isKnownVerb('FOO')).toBe(false);
  });
});
