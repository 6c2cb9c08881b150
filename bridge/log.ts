/** One-line logs on stderr. `SMTP_LAB_LOG=quiet` silences info lines (tests), `debug` adds detail. */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function threshold(): number {
  const setting = process.env.SMTP_LAB_LOG;
  if (setting === 'quiet') return ORDER.warn;
  if (setting === 'silent') return ORDER.error + 1;
  if (setting === 'debug') return ORDER.debug;
  return ORDER.info;
}

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold()) return;
  const extra = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}${extra ? ' ' + extra : ''}\n`);
}
