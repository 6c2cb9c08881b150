import { describe, it, expect } from 'vitest';
import { parseReplyLine, enhancedCodeOf, ReplyAssembler } from './reply';

describe('parseReplyLine', () => {
  it('tells a continued line from a final one', () => {
    expect(parseReplyLine('250-mail.example.test greets you')).toEqual({ code: 250, final: false, text: 'mail.example.test greets you' });
    expect(parseReplyLine('250 OK')).toEqual({ code: 250, final: true, text: 'OK' });
  });

  it('accepts a bare code as a final line', () => {
    expect(parseReplyLine('354')).toEqual({ code: 354, final: true, text: '' });
  });

  it('rejects lines that are not replies', () => {
    expect(parseReplyLine('Hello')).toBeNull();
    expect(parseReplyLine('2500 OK')).toBeNull();
    expect(parseReplyLine('150 not SMTP')).toBeNull();
  });
});

describe('enhancedCodeOf', () => {
  it('finds a leading class.subject.detail', () => {
    expect(enhancedCodeOf('5.1.1 No such user')).toBe('5.1.1');
    expect(enhancedCodeOf('2.7.0')).toBe('2.7.0');
  });

  it('ignores version-like text that is not a status code', () => {
    expect(enhancedCodeOf('3.1.1 is not a class')).toBeNull();
    expect(enhancedCodeOf('OK 2.0.0')).toBeNull();
  });
});

describe('ReplyAssembler', () => {
  it('joins a multi-line EHLO reply into one reply', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push('250-mail.example.test')).toBeNull();
    expect(assembler.open).toBe(true);
    expect(assembler.push('250-PIPELINING')).toBeNull();
    expect(assembler.push('250 SIZE 1000')).toEqual({ code: 250, enhanced: null, lines: ['mail.example.test', 'PIPELINING', 'SIZE 1000'] });
    expect(assembler.open).toBe(false);
  });

  it('reads the enhanced code of a one-line reply', () => {
    expect(new ReplyAssembler().push('550 5.1.1 No such user')).toEqual({ code: 550, enhanced: '5.1.1', lines: ['5.1.1 No such user'] });
  });

  it('returns a line that is not a reply as code 0 instead of losing it', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push('garbage')).toEqual({ code: 0, enhanced: null, lines: ['garbage'] });
    expect(assembler.push('220 ready')?.code).toBe(220);
  });
});
