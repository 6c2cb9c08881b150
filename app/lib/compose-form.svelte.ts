/**
 * The compose form's state and its checks. The browser validates with the very schema the bridge
 * uses (composeSchema, in compose-check.ts, loaded with the first send), so what passes here cannot
 * be refused there for its shape, and the learner reads each problem next to the field that has it
 * before anything is sent.
 */
import { MAX_ATTACHMENT_BYTES, type ConnectionProfile } from '../../core/protocol/compose-limits';
import type { ComposeForm as ComposeMessage, ConnectionSettings } from '../../core/protocol/delivery';
import type { ComposeInput } from './compose-check';
import { formatBytes } from './transcript';

/** Lab identities offered for From; any address of the right shape is accepted. */
export const LAB_IDENTITIES = ['learner@lab.test', 'teacher@lab.test', 'noreply@lab.test'] as const;

export type ComposeField = 'from' | 'to' | 'cc' | 'bcc' | 'subject' | 'text' | 'html' | 'attachments' | 'form';

export interface ProfileChoice {
  profile: ConnectionProfile;
  label: string;
  /** What a mail client's account dialog would say about it. */
  detail: string;
  auth: boolean;
}

export const PROFILES: readonly ProfileChoice[] = [
  { profile: 'submission', label: 'Port 587 — STARTTLS + AUTH', detail: 'submission: starts in clear text, upgrades with STARTTLS, then logs in', auth: true },
  { profile: 'smtps', label: 'Port 465 — implicit TLS + AUTH', detail: 'submissions: TLS from the first byte, then logs in', auth: true },
  { profile: 'plain', label: 'Port 25 — no TLS, no AUTH', detail: 'server to server: everything in clear text, no login', auth: false },
];

export interface PickedAttachment {
  filename: string;
  contentType: string;
  contentBase64: string;
  /** Decoded size in bytes. */
  size: number;
}

export interface ValidCompose {
  compose: ComposeMessage;
  connection: ConnectionSettings;
}

/** "a@x, b@y; c@z" → three entries; blanks between separators are dropped. */
export function splitAddresses(value: string): string[] {
  return value
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsDataURL(file);
  });
}

export class ComposeFormState {
  from = $state<string>(LAB_IDENTITIES[0]);
  to = $state('alice@example.test');
  cc = $state('');
  bcc = $state('');
  subject = $state('Hello from the SMTP Lab');
  text = $state('Hi Alice,\n\nthis message crossed real SMTP, one line at a time.\n\nLearner');
  withHtml = $state(false);
  html = $state('<p>Hi Alice,</p>\n<p>this message crossed <b>real SMTP</b>.</p>');
  profile = $state<ConnectionProfile>('submission');
  user = $state('');
  pass = $state('');
  /** Step through holds the relay hops that carry the mail on, too; otherwise they run by themselves. */
  stepHops = $state(false);

  #attachments = $state.raw<PickedAttachment[]>([]);
  #errors = $state.raw<Partial<Record<ComposeField, string>>>({});

  get attachments(): PickedAttachment[] {
    return this.#attachments;
  }
  get errors(): Partial<Record<ComposeField, string>> {
    return this.#errors;
  }
  get attachmentBytes(): number {
    return this.#attachments.reduce((sum, a) => sum + a.size, 0);
  }
  get usesAuth(): boolean {
    return PROFILES.find((p) => p.profile === this.profile)?.auth ?? false;
  }

  /** The lab's demo account, filled in until the learner types something else. */
  fillCredentials(user: string, pass: string): void {
    if (this.user === '') this.user = user;
    if (this.pass === '') this.pass = pass;
  }

  /** Adds files, refusing (with a message, before anything is sent) what would pass the size cap. */
  async addFiles(files: FileList | File[]): Promise<void> {
    let total = this.attachmentBytes;
    const added: PickedAttachment[] = [];
    for (const file of Array.from(files)) {
      if (total + file.size > MAX_ATTACHMENT_BYTES) {
        this.#setError(
          'attachments',
          `“${file.name}” (${formatBytes(file.size)}) would take the attachments to ${formatBytes(total + file.size)}; ` +
            `the lab takes at most ${formatBytes(MAX_ATTACHMENT_BYTES)} in all.`,
        );
        continue;
      }
      try {
        const contentBase64 = await readAsBase64(file);
        added.push({ filename: file.name, contentType: file.type || 'application/octet-stream', contentBase64, size: file.size });
        total += file.size;
      } catch (error) {
        this.#setError('attachments', `Could not read “${file.name}”: ${(error as Error).message}`);
      }
    }
    if (added.length) this.#attachments = [...this.#attachments, ...added];
  }

  removeAttachment(index: number): void {
    this.#attachments = this.#attachments.filter((_, i) => i !== index);
    this.#setError('attachments', undefined);
  }

  clearError(field: ComposeField): void {
    if (this.#errors[field] !== undefined) this.#setError(field, undefined);
  }

  /** The bridge refused what we sent (it re-checks at its boundary): show it above the buttons. */
  refusedByBridge(message: string): void {
    this.#setError('form', message);
  }

  /** Checks the form with composeSchema; on success returns what to send, else shows the errors. */
  async validate(): Promise<ValidCompose | null> {
    const input: ComposeInput = {
      from: this.from,
      to: splitAddresses(this.to),
      cc: splitAddresses(this.cc),
      bcc: splitAddresses(this.bcc),
      subject: this.subject,
      text: this.text,
      ...(this.withHtml && this.html.trim() !== '' ? { html: this.html } : {}),
      attachments: this.#attachments.map(({ filename, contentType, contentBase64 }) => ({ filename, contentType, contentBase64 })),
    };
    const { checkCompose } = await import('./compose-check');
    const { compose, errors } = checkCompose(input);
    if (this.usesAuth && (this.user.trim() === '' || this.pass === '')) {
      errors.form = 'This connection logs in (AUTH): fill in the user name and password.';
    }
    this.#errors = errors;
    if (!compose || errors.form) return null;
    const connection: ConnectionSettings = this.usesAuth
      ? { profile: this.profile, user: this.user.trim(), pass: this.pass }
      : { profile: this.profile };
    return { compose, connection };
  }

  #setError(field: ComposeField, message: string | undefined): void {
    const next = { ...this.#errors };
    if (message === undefined) delete next[field];
    else next[field] = message;
    this.#errors = next;
  }
}
