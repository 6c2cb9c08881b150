/**
 * A ladder diagram as a standalone SVG file: it carries its own styles and arrowheads, so it opens
 * in a browser or an editor with nothing else around it. All text passes through escapeXml; the
 * lines of an SMTP conversation are full of "<" and ">" (MAIL FROM:<a@b.test>).
 */
import { LABEL_FONT, type Ladder, type LadderArrow } from '../ladder/ladder-layout';

export interface LadderSvgOptions {
  /** Shown in the file's <title> and at the top of the picture. */
  title?: string;
  /** Draw the "+12 ms" time label beside each arrow (default true). */
  times?: boolean;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text and attribute values both; control characters XML 1.0 cannot hold become "?". */
export function escapeXml(text: string): string {
  return text
    .replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?');
}

const STYLE = `
  svg { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: ${LABEL_FONT.size}px; }
  .background { fill: #ffffff; }
  .title { font-size: 14px; font-weight: bold; fill: #222222; }
  .lifeline { stroke: #9a9a9a; stroke-width: 1; stroke-dasharray: 4 4; }
  .lifeline-label { font-weight: bold; fill: #222222; text-anchor: middle; }
  .tls { fill: #e6f2e6; }
  .tls-label { fill: #3c7a3c; font-size: 10px; }
  .arrow { stroke-width: 1.5; fill: none; }
  .client { stroke: #1f5fa8; }
  .server { stroke: #a8481f; }
  .pipelined { stroke-dasharray: 6 3; }
  .line-text { fill: #222222; }
  .time { fill: #777777; font-size: 10px; }
  .note { fill: #555555; font-style: italic; text-anchor: middle; font-size: 11px; }
  .note-rule { stroke: #cccccc; stroke-width: 1; }
  .head-client { fill: #1f5fa8; }
  .head-server { fill: #a8481f; }
`;

const r = (n: number) => String(Math.round(n * 10) / 10);

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${escapeXml(typeof value === 'number' ? r(value) : value)}"`)
    .join(' ');
}

function marker(side: 'client' | 'server'): string {
  return `<marker id="head-${side}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">`
    + `<path class="head-${side}" d="M0,0 L10,5 L0,10 z"/></marker>`;
}

function arrowSvg(arrow: LadderArrow, times: boolean): string {
  const classes = ['arrow', arrow.dir, ...(arrow.batch === null ? [] : ['pipelined'])].join(' ');
  // The time sits by the sender's lifeline, on the outer side, so it never covers the line text.
  const timeX = arrow.dir === 'client' ? arrow.x1 - 6 : arrow.x1 + 6;
  const anchor = arrow.dir === 'client' ? 'end' : 'start';
  const tooltip = arrow.batch === null ? arrow.fullText : `${arrow.fullText} (pipelined batch ${arrow.batch + 1})`;
  return [
    `<g ${attrs({ class: `row${arrow.tls ? ' in-tls' : ''}`, 'data-index': arrow.index })}>`,
    `<title>${escapeXml(tooltip)}</title>`,
    `<line ${attrs({ class: classes, x1: arrow.x1, y1: arrow.y1, x2: arrow.x2, y2: arrow.y2, 'marker-end': `url(#head-${arrow.dir})` })}/>`,
    `<text ${attrs({ class: 'line-text', x: arrow.label.x, y: arrow.label.baseline })}>${escapeXml(arrow.text)}</text>`,
    times ? `<text ${attrs({ class: 'time', x: timeX, y: arrow.y1 + 3, 'text-anchor': anchor })}>${escapeXml(arrow.time)}</text>` : '',
    '</g>',
  ].join('');
}

export function ladderToSvg(ladder: Ladder, options: LadderSvgOptions = {}): string {
  const { width, height, lifelines, rowHeight } = ladder;
  const title = options.title ?? 'SMTP conversation';
  const times = options.times ?? true;
  const top = 40;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" ${attrs({ width, height: height + top, viewBox: `0 0 ${r(width)} ${r(height + top)}` })}>`,
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    `<defs>${marker('client')}${marker('server')}</defs>`,
    `<rect ${attrs({ class: 'background', x: 0, y: 0, width, height: height + top })}/>`,
    `<text ${attrs({ class: 'title', x: 12, y: 22 })}>${escapeXml(title)}</text>`,
    // Everything below the title is the ladder in its own coordinates.
    `<g transform="translate(0 ${top})">`,
  ];
  for (const band of ladder.tlsBands) {
    out.push(`<rect ${attrs({ class: 'tls', x: 0, y: band.y1, width, height: band.y2 - band.y1 })}/>`);
    out.push(`<text ${attrs({ class: 'tls-label', x: 6, y: band.y1 + 12 })}>inside TLS</text>`);
  }
  for (const side of ['client', 'server'] as const) {
    const { x, label } = lifelines[side];
    out.push(`<text ${attrs({ class: 'lifeline-label', x, y: 20 })}>${escapeXml(label)}</text>`);
    out.push(`<line ${attrs({ class: 'lifeline', x1: x, y1: 28, x2: x, y2: height - rowHeight / 4 })}/>`);
  }
  for (const note of ladder.notes) {
    out.push(`<line ${attrs({ class: 'note-rule', x1: lifelines.client.x, y1: note.y, x2: lifelines.server.x, y2: note.y })}/>`);
    out.push(`<text ${attrs({ class: `note ${note.kind}`, x: width / 2, y: note.y - 3 })}>${escapeXml(note.text)}</text>`);
  }
  for (const arrow of ladder.arrows) out.push(arrowSvg(arrow, times));
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}
