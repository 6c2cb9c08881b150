/**
 * smtp-server derives the enhanced status code from the reply code alone (451 is always 4.3.0,
 * 554 always 5.6.0), but a relay refusal is 5.7.1 and greylisting 4.7.1. A reply whose text
 * already starts with an enhanced code is sent with smtp-server's "no enhanced code" context, so
 * the code appears once, and it is the one the lab chose.
 */
export function useOwnEnhancedCodes(connection: object): void {
  const target = connection as { send(code: number, data: unknown, context?: unknown): void };
  const original = target.send.bind(connection);
  target.send = (code, data, context) =>
    typeof data === 'string' && /^[245]\.\d{1,3}\.\d{1,3} /.test(data) ? original(code, data, false) : original(code, data, context);
}
