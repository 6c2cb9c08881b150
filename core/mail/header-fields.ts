/**
 * Header fields as RFC 5322 §2.2 writes them: "Name: value" lines, where a line that starts with
 * white space continues the field above it (folding). A message's header block and each group of
 * a delivery-status report are both read this way.
 */

export interface HeaderField {
  name: string;
  value: string;
}

/** Unfolded fields of a block of lines, in order; lines that are no field are skipped. */
export function readFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of block.split('\n')) {
    const last = fields.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** Splits a message or part into its header fields and its body (after the first empty line). */
export function splitHeaders(source: string): { headers: HeaderField[]; body: string } {
  const normalised = source.replace(/\r\n/g, '\n');
  const end = normalised.search(/\n\n/);
  const head = end === -1 ? normalised : normalised.slice(0, end);
  const body = end === -1 ? '' : normalised.slice(end + 2);
  return { headers: readFields(head), body };
}

/** The first field of that name (given in lower case), or "" when there is none. */
export function headerValue(headers: readonly HeaderField[], name: string): string {
  return headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
}

/** A parameter of a structured value such as Content-Type (`boundary`, `charset`, `name`). */
export function parameter(value: string, name: string): string | null {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2] ?? null) : null;
}
