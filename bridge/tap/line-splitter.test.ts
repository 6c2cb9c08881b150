import { describe, expect, it } from 'vitest';
import { LineSplitter, printable } from './line-splitter';

describe('LineSplitter', () => {
  it('splits CRLF lines across chunks and reports where each ends', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('EHLO a\r\nNO'))).toEqual([{ text: 'EHLO a', cut: 0, end: 8, bareLf: false }]);
    expect(splitter.push(Buffer.from('OP\r'))).toEqual([]);
    expect(splitter.push(Buffer.from('\nQUIT\n'))).toEqual([
      { text: 'NOOP', cut: 0, end: 1, bareLf: false },
      { text: 'QUIT', cut: 0, end: 6, bareLf: true },
    ]);
  });

  it('tells a bare LF from a CRLF, whichever chunk the CR came in', () => {
    const splitter = new LineSplitter(4);
    const lines = [...splitter.push(Buffer.from('a\n.\r')), ...splitter.push(Buffer.from('\n\nlong line\r')), ...splitter.push(Buffer.from('\nx\ry\n'))];
    expect(lines.map((line) => [line.text, line.bareLf])).toEqual([['a', true], ['.', false], ['', true], ['long', false], ['x\\x0dy', true]]);
  });

  it('keeps the head of a long line and counts the rest as cut', () => {
    const splitter = new LineSplitter(10);
    const [line] = splitter.push(Buffer.from(`${'x'.repeat(25)}\r\n`));
    expect(line).toEqual({ text: 'x'.repeat(10), cut: 15, end: 27, bareLf: false });
    // The next line is whole again.
    expect(splitter.push(Buffer.from('ok\r\n'))[0]?.text).toBe('ok');
  });

  it('does not cut a UTF-8 character in half', () => {
    const splitter = new LineSplitter(4);
    const [line] = splitter.push(Buffer.from('abcé\r\n')); // é is 2 bytes, the 4th and 5th
    expect(line?.text).toBe('abc');
    expect(line?.cut).toBe(2);
  });

  it('shows binary junk escaped', () => {
    expect(printable(Buffer.from([0x00, 0x41, 0xff, 0x1b, 0x09]))).toBe('\\x00A\\xff\\x1b\t');
    expect(printable(Buffer.from('Grüße'))).toBe('Grüße');
  });

  it('flushes a line that never ended', () => {
    const splitter = new LineSplitter();
    splitter.push(Buffer.from('MAIL FROM:<a'));
    expect(splitter.flush()).toEqual({ text: 'MAIL FROM:<a', cut: 0 });
    expect(splitter.flush()).toBeNull();
  });

  it('reads a line the same whether it arrives whole or byte by byte', () => {
    const input = Buffer.concat([
      Buffer.from('EHLO a\r\nbare lf\nesc \x1b[2J\r\nGrüße\r\n'),
      Buffer.from([0x62, 0xff, 0x0d, 0x0a]), // not UTF-8
      Buffer.from(`${'y'.repeat(10)}\r\n${'z'.repeat(11)}\r\n${'w'.repeat(9)}\r\r\n`),
    ]);
    const whole = new LineSplitter(10).push(input).map(({ text, cut }) => ({ text, cut }));
    const split = new LineSplitter(10);
    const bytewise = [...input].flatMap((byte) => split.push(Buffer.from([byte])).map(({ text, cut }) => ({ text, cut })));
    expect(whole).toEqual(bytewise);
    expect(whole).toEqual([
      { text: 'EHLO a', cut: 0 },
      { text: 'bare lf', cut: 0 },
      { text: 'esc \\x1b[2J', cut: 0 },
      { text: 'Grüße', cut: 0 },
      { text: 'b\\xff', cut: 0 },
      { text: 'y'.repeat(10), cut: 0 },
      { text: 'z'.repeat(10), cut: 1 },
      { text: `${'w'.repeat(9)}\\x0d`, cut: 0 },
    ]);
  });
});
