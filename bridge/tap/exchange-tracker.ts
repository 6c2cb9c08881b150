/**
 * Which command each reply answers. SMTP with PIPELINING lets a client send several commands
 * before any reply, so "the last command sent" is not enough: like nodemailer's queue of expected
 * replies, keep the unanswered commands in order and match each complete reply to the oldest.
 * The tap and the terminal both need this to see a 220 that answers STARTTLS.
 */
import { parseCommand } from '../../core/smtp/command';
import { ReplyAssembler, type Reply } from '../../core/smtp/reply';

export interface Exchange {
  /** The verb of the command the reply answers; GREETING ('') for the greeting or when none was pending. */
  verb: string;
  reply: Reply;
}

/** What the first reply of a connection answers: the connection itself, not a command. */
export const GREETING = '';

export class ExchangeTracker {
  /** A client may type before the greeting arrives; the greeting must not be taken as that reply. */
  #pending: string[] = [GREETING];
  #assembler = new ReplyAssembler();
  /** True between DATA and the lone "." that ends the message: those lines are content, not commands. */
  #inData = false;
  /** True after a 334: the next client line answers the server's challenge. */
  #saslTurn = false;

  /** Feed one line the client sent (without CRLF). */
  clientLine(line: string): void {
    if (this.#inData) {
      if (line === '.') {
        this.#inData = false;
        this.#pending.push('.');
      }
      return;
    }
    if (this.#saslTurn) {
      this.#saslTurn = false;
      this.#pending.push('AUTH');
      return;
    }
    const { verb } = parseCommand(line);
    this.#pending.push(verb);
    // A client may pipeline the message right behind DATA; expect content until told otherwise.
    if (verb === 'DATA') this.#inData = true;
  }

  /** Feed one line the server sent; returns the exchange once a reply is complete. */
  serverLine(line: string): Exchange | null {
    const reply = this.#assembler.push(line);
    if (!reply) return null;
    if (reply.code === 0) return { verb: '', reply };
    const verb = this.#pending.shift() ?? GREETING;
    // DATA refused: the lines after it were commands after all (the server will answer them).
    if (verb === 'DATA' && reply.code !== 354) this.#inData = false;
    if (reply.code === 334) this.#saslTurn = true;
    return { verb, reply };
  }

  /** True when a 220 answers STARTTLS: both ends must start TLS now. */
  static startsTls(exchange: Exchange): boolean {
    return exchange.verb === 'STARTTLS' && exchange.reply.code === 220;
  }

  /** Forget everything after a TLS upgrade (RFC 3207 §4.2: the session starts over, without a new greeting). */
  reset(): void {
    this.#pending = [];
    this.#assembler = new ReplyAssembler();
    this.#inData = false;
    this.#saslTurn = false;
  }
}
