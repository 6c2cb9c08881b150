/** The lab servers a terminal can open a session with (the lesson format and the protocol both name them). */
export const TERMINAL_SERVERS = ['welcoming', 'mx', 'submission'] as const;
export type TerminalServer = (typeof TERMINAL_SERVERS)[number];

/** Where Connect opens a terminal: one of the lab's servers, or straight to a mail host of the world. */
export type TerminalTarget = TerminalServer | { host: string };

/** A target as one string (a select's value): the server's name, or "host:" and the host's name. */
export function targetKey(target: TerminalTarget): string {
  return typeof target === 'string' ? target : `host:${target.host}`;
}

export function targetFromKey(key: string): TerminalTarget {
  if (key.startsWith('host:')) return { host: key.slice('host:'.length) };
  return TERMINAL_SERVERS.find((server) => server === key) ?? 'welcoming';
}
