/**
 * Keeps real credentials off the wire record. Lab accounts are shown decoded on purpose (the lesson
 * is that base64 is no protection); any other user name or password in AUTH PLAIN / AUTH LOGIN, and
 * every other mechanism's response, is replaced before a wire event is made of the line.
 */
import { decodeBase64 } from './base64';
import type { LineMode } from '../machines/session-model';
import { parseCommand } from './command';

export interface LabAccount {
  user: string;
  pass: string;
}


export interface FilteredLine {
  text: string;
  redacted: boolean;
}

export const HIDDEN = '[hidden: not a lab account]';

type Expecting = { kind: 'plain' } | { kind: 'login-user' } | { kind: 'login-pass'; user: string | null } | { kind: 'other' } | null;

export class CredentialFilter {
  readonly #accounts: readonly LabAccount[];
  #expecting: Expecting = null;

  constructor(accounts: readonly LabAccount[]) {
    this.#accounts = accounts;
  }

  /** `mode`: how the session tracker read the line (the server's reading, not a guess from the bytes). */
  filter(text: string, mode: LineMode): FilteredLine {
    if (mode === 'auth') return this.#response(text);
    if (mode !== 'command') return { text, redacted: false };
    const command = parseCommand(text);
    if (command.verb !== 'AUTH') return { text, redacted: false };
    const [mechanism = '', initial] = command.argument.trim().split(/\s+/);
    const name = mechanism.toUpperCase();
    const prefix = text.slice(0, text.length - command.argument.length) + mechanism;
    if (name === 'PLAIN') {
      this.#expecting = { kind: 'plain' };
      return initial === undefined ? { text, redacted: false } : this.#keepIf(this.#plainIsLab(initial), text, prefix);
    }
    if (name === 'LOGIN') {
      if (initial === undefined) {
        this.#expecting = { kind: 'login-user' };
        return { text, redacted: false };
      }
      const user = decodeBase64(initial);
      this.#expecting = { kind: 'login-pass', user };
      return this.#keepIf(this.#isLabUser(user), text, prefix);
    }
    this.#expecting = { kind: 'other' };
    return initial === undefined ? { text, redacted: false } : { text: `${prefix} ${HIDDEN}`, redacted: true };
  }

  /**
   * A line the server may read either as a command or as an AUTH response (a connection that
   * closed, or a client that pipelined far past AUTH, before the reply that decides): shown only
   * if it cannot carry a credential that is not a lab one.
   */
  filterUndecided(text: string): FilteredLine {
    if (parseCommand(text).verb === 'AUTH') return this.filter(text, 'command');
    const token = text.trim();
    const decoded = decodeBase64(token);
    const lab = this.#plainIsLab(token) || this.#accounts.some((a) => a.user === decoded || a.pass === decoded);
    return this.#keepIf(lab, text, '');
  }

  #response(text: string): FilteredLine {
    const expecting = this.#expecting;
    // "*" cancels the exchange (RFC 4954 §4); it carries nothing secret.
    if (text.trim() === '*' || expecting === null) {
      this.#expecting = null;
      return { text, redacted: false };
    }
    switch (expecting.kind) {
      case 'plain':
        this.#expecting = null;
        return this.#keepIf(this.#plainIsLab(text), text, '');
      case 'login-user': {
        const user = decodeBase64(text.trim());
        this.#expecting = { kind: 'login-pass', user };
        return this.#keepIf(this.#isLabUser(user), text, '');
      }
      case 'login-pass': {
        const pass = decodeBase64(text.trim());
        this.#expecting = null;
        const lab = this.#accounts.some((a) => a.user === expecting.user && a.pass === pass);
        return this.#keepIf(lab, text, '');
      }
      case 'other':
        return { text: HIDDEN, redacted: true };
    }
  }

  #keepIf(keep: boolean, text: string, prefix: string): FilteredLine {
    return keep ? { text, redacted: false } : { text: prefix ? `${prefix} ${HIDDEN}` : HIDDEN, redacted: true };
  }

  #plainIsLab(base64: string): boolean {
    const decoded = decodeBase64(base64.trim());
    if (decoded === null) return false;
    const [, user, pass] = decoded.split('\0');
    return this.#accounts.some((a) => a.user === user && a.pass === pass);
  }

  #isLabUser(user: string | null): boolean {
    return user !== null && this.#accounts.some((a) => a.user === user);
  }
}
