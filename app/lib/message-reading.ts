/**
 * A message as the reader shows it, read from its raw bytes. postal-mime does all the decoding —
 * encoded words, transfer encodings, charsets, RFC 2231 file names — as it does for the bridge's
 * message list, so the list and the reader agree. core's structure walker adds only what
 * postal-mime does not expose: the tree of parts for the MIME view.
 */
import PostalMime, { type Attachment, type Email } from 'postal-mime';
import { addressTexts } from '../../core/mail/addresses';
import { parameter, type HeaderField } from '../../core/mail/header-fields';
import { allParts, mimeStructure, type MimePart } from '../../core/mail/mime';

export interface AttachmentFile {
  name: string;
  mimeType: string;
  content: Attachment['content'];
}

export interface ReadMessage {
  /** Decoded Subject, '' when there is none. */
  subject: string;
  from: string;
  to: string[];
  /** The Date header as it was written. */
  date: string;
  /** Header fields in the order they are stored, values unfolded but not decoded. */
  headers: HeaderField[];
  text: string | null;
  html: string | null;
  /** The machine-readable part of a delivery report (RFC 3464), as text. */
  report: string | null;
  /** Decoded names of the attachments, in order; '(unnamed)' for one without a name. */
  attachments: string[];
  /** The same attachments with their decoded bytes, to save one as a file. */
  attachmentFiles: AttachmentFile[];
  mime: MimePart;
  /** Decoded file name of each part that names one, by part path. */
  filenames: ReadonlyMap<string, string>;
  /** Why the reader shows less than the message holds (a boundary that never appears), or null. */
  problem: string | null;
  /** The raw source as text, for the Raw view (bytes that are not UTF-8 show as U+FFFD). */
  source: string;
}

const REPORT_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
/** What a delivery report returns of the original message (RFC 6522 §3). */
const RETURNED_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);

/** Inline images of an HTML body and the parts of a report are not what a reader calls attachments. */
function isAttachment(attachment: Attachment, inReport: boolean): boolean {
  return !attachment.related && !REPORT_TYPES.has(attachment.mimeType) && !(inReport && RETURNED_TYPES.has(attachment.mimeType));
}

function contentText(attachment: Attachment | undefined): string | null {
  if (!attachment) return null;
  const { content } = attachment;
  return typeof content === 'string' ? content : new TextDecoder('utf-8').decode(content);
}

/** Each part's file name, read by the parser from that part's own header block. */
async function partFilenames(root: MimePart): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const part of allParts(root)) {
    if (part.children.length > 0 || part.boundaryMissing || part.header.length === 0) continue;
    const { attachments } = await PostalMime.parse(part.header).catch(() => ({ attachments: [] as Attachment[] }));
    const filename = attachments[0]?.filename;
    if (filename) names.set(part.path, filename);
  }
  return names;
}

/** A multipart no reader can split says so, instead of showing an empty message. */
function problemOf(root: MimePart): string | null {
  const broken = allParts(root).find((part) => part.boundaryMissing);
  if (!broken) return null;
  const boundary = parameter(broken.contentType, 'boundary');
  const where = broken.path ? `Part ${broken.path}` : 'This message';
  const why = boundary ? `no line of its body is the boundary "--${boundary}"` : 'it names no boundary';
  return `${where} is ${broken.type}, but ${why}: no mail reader can split it into parts, so nothing of it is shown. The Raw tab has what arrived.`;
}

function headerValue(email: Email, key: string): string {
  return email.headers.find((header) => header.key === key)?.value ?? '';
}

/**
 * The parser's reading of the message; one past the parser's limits (parts nested hundreds deep,
 * megabytes of header) is read from its own header block alone, with the parser's reason.
 */
async function parse(bytes: Uint8Array, mime: MimePart): Promise<{ email: Email; refused: string | null }> {
  try {
    return { email: await PostalMime.parse(bytes), refused: null };
  } catch (error) {
    const headersOnly = await PostalMime.parse(mime.header).catch(() => null);
    const email: Email = headersOnly ?? { headers: [], headerLines: [], attachments: [] };
    const refused = `The MIME parser could not read this message's body (${(error as Error).message}). The Raw tab has what arrived.`;
    return { email, refused };
  }
}

/** Reads a message from the bytes the bridge stored, exactly as they arrived; never fails on what a sender wrote. */
export async function readRawMessage(raw: ArrayBuffer | Uint8Array): Promise<ReadMessage> {
  const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
  const mime = mimeStructure(bytes);
  const { email, refused } = await parse(bytes, mime);
  const report = email.attachments.find((a) => REPORT_TYPES.has(a.mimeType));
  const files = email.attachments
    .filter((a) => isAttachment(a, report !== undefined))
    .map((a) => ({ name: a.filename ?? '(unnamed)', mimeType: a.mimeType, content: a.content }));
  return {
    subject: email.subject?.trim() ?? '',
    from: addressTexts(email.from ? [email.from] : []).join(', '),
    to: addressTexts(email.to),
    date: headerValue(email, 'date'),
    // Unfolding keeps the tab that began each continuation line; shown as the space it stands for.
    headers: email.headers.map((header) => ({ name: header.originalKey, value: header.value.replace(/\t/g, ' ') })),
    text: email.text ?? null,
    html: email.html ?? null,
    report: contentText(report),
    attachments: files.map((file) => file.name),
    attachmentFiles: files,
    mime,
    filenames: await partFilenames(mime),
    problem: refused ?? problemOf(mime),
    source: new TextDecoder('utf-8').decode(bytes),
  };
}
