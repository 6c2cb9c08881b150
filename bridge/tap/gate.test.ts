import { describe, expect, it, vi } from 'vitest';
import { Gate, type ClientLine, type GateView } from './gate';

const lab = { user: 'learner', pass: 'learner' };

function lines(...texts: string[]): ClientLine[] {
  return texts.map((text, at) => ({ text, cut: 0, bytes: Buffer.from(`${text}\r\n`), bareLf: false, at, tls: true }));
}

/** Replies from the server, as the tap passes them on. */
function serve(gate: Gate, ...replies: string[]): void {
  for (const text of replies) gate.read({ dir: 'server', text });
}

/** Release each command as it is taken and answer it, up to an open transaction. */
function openTransaction(gate: Gate): void {
  serve(gate, '220 lab.test ESMTP');
  for (const [command, reply] of [['EHLO a', '250 lab.test'], ['MAIL FROM:<a@lab.test>', '250 ok'], ['RCPT TO:<b@lab.test>', '250 ok']] as const) {
    gate.push(lines(command));
    gate.next();
    serve(gate, reply);
  }
}

function setup() {
  const views: GateView[] = [];
  const released: string[][] = [];
  const gate = new Gate([lab], (view) => views.push(view));
  gate.attach((sent) => released.push(sent.map((line) => line.text)));
  return { gate, views, released };
}

describe('Gate', () => {
  it('holds pipelined commands as separate units and releases one per next()', () => {
    const { gate, views, released } = setup();
    gate.push(lines('MAIL FROM:<a@lab.test>', 'RCPT TO:<b@lab.test>', 'DATA'));
    expect(released).toEqual([]);
    expect(views.at(-1)?.held).toMatchObject({ index: 0, kind: 'command', lines: ['MAIL FROM:<a@lab.test>'], bytes: 24 });
    gate.next();
    expect(released).toEqual([['MAIL FROM:<a@lab.test>']]);
    expect(views.at(-1)?.held?.lines).toEqual(['RCPT TO:<b@lab.test>']);
    gate.next();
    gate.next();
    expect(released).toHaveLength(3);
    expect(views.at(-1)).toMatchObject({ held: null, released: 3 });
  });

  it('makes the content from the 354 to the lone "." one unit', () => {
    const { gate, views, released } = setup();
    openTransaction(gate);
    gate.push(lines('DATA'));
    gate.next();
    serve(gate, '354 go ahead');
    gate.push(lines('Subject: hi', ''));
    expect(views.at(-1)?.held).toBeNull();
    gate.push(lines('body', '.'));
    expect(views.at(-1)?.held).toMatchObject({ kind: 'content', lines: ['Subject: hi', '', 'body', '.'] });
    gate.next();
    expect(released.at(-1)).toEqual(['Subject: hi', '', 'body', '.']);
  });

  it('shows an AUTH response redacted unless it is the lab account, but releases the real bytes', () => {
    const { gate, views, released } = setup();
    serve(gate, '220 lab.test ESMTP');
    gate.push(lines('EHLO a'));
    gate.next();
    serve(gate, '250 lab.test');
    gate.push(lines('AUTH LOGIN'));
    gate.next();
    serve(gate, '334 VXNlcm5hbWU6');
    const user = Buffer.from('someone@real.example').toString('base64');
    gate.push(lines(user));
    expect(views.at(-1)?.held?.lines).toEqual(['[hidden: not a lab account]']);
    gate.next();
    expect(released.at(-1)).toEqual([user]);
  });

  it('shows a credential pipelined behind AUTH hidden, before any reply has decided how it is read', () => {
    const { gate, views } = setup();
    serve(gate, '220 lab.test ESMTP');
    gate.push(lines('EHLO a'));
    gate.next();
    serve(gate, '250 lab.test');
    const real = Buffer.from('\0someone@real.example\0secret').toString('base64');
    const labPlain = Buffer.from('\0learner\0learner').toString('base64');
    gate.push(lines('AUTH PLAIN', real, 'AUTH LOGIN', labPlain));
    const shown: string[] = [];
    for (let i = 0; i < 4; i++) {
      shown.push(...(gate.view.held?.lines ?? []));
      gate.next();
    }
    expect(shown).toEqual(['AUTH PLAIN', '[hidden: not a lab account]', 'AUTH LOGIN', labPlain]);
  });

  it('reads a "." after a bare LF as content, not as the end of the unit', () => {
    const { gate, views } = setup();
    openTransaction(gate);
    gate.push(lines('DATA'));
    gate.next();
    serve(gate, '354 go ahead');
    gate.push([{ ...lines('text')[0]!, bareLf: true }, ...lines('.', 'more')]);
    expect(views.at(-1)?.held ?? null).toBeNull();
    gate.push(lines('.'));
    expect(gate.view.held).toMatchObject({ kind: 'content', lines: ['text', '.', 'more', '.'] });
  });

  it('run() releases everything held and holds nothing afterwards', () => {
    const { gate, released } = setup();
    gate.push(lines('EHLO a', 'NOOP'));
    gate.run();
    gate.push(lines('QUIT'));
    expect(released).toEqual([['EHLO a'], ['NOOP'], ['QUIT']]);
    expect(gate.view).toMatchObject({ held: null, released: 2, playing: false });
  });

  it('play() releases one unit per interval', () => {
    vi.useFakeTimers();
    try {
      const { gate, released } = setup();
      gate.push(lines('EHLO a', 'NOOP'));
      gate.play(700);
      vi.advanceTimersByTime(699);
      expect(released).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(released).toHaveLength(1);
      vi.advanceTimersByTime(700);
      expect(released).toHaveLength(2);
      gate.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
