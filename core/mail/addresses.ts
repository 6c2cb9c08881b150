/**
 * Addresses as a list shows them: `Name <address>`, or the bare address, with the members of a
 * group (RFC 5322 §3.4) listed in its place. The MIME parser decodes the names; this only writes
 * them out, the same way for the bridge's message list and the app's message reader.
 */

/** An address as the MIME parser gives it: a mailbox, or a group of mailboxes. */
export interface ParsedAddress {
  name: string;
  address?: string | undefined;
  group?: readonly ParsedAddress[] | undefined;
}

export function addressTexts(entries: readonly ParsedAddress[] | undefined): string[] {
  return (entries ?? []).flatMap(addressText);
}

function addressText(entry: ParsedAddress): string[] {
  if (entry.group) return addressTexts(entry.group);
  if (!entry.address) return entry.name ? [entry.name] : [];
  return [entry.name ? `${entry.name} <${entry.address}>` : entry.address];
}

/** A Date header as ISO 8601, or null when it is missing or no date. */
export function isoDate(value: string | undefined): string | null {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}
