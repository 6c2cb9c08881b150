/** The lab servers a terminal can open a session with (the lesson format and the protocol both name them). */
export const TERMINAL_SERVERS = ['welcoming', 'mx', 'submission'] as const;
export type TerminalServer = (typeof TERMINAL_SERVERS)[number];
