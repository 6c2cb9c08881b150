/**
 * The eavesdropper's view drawn as a ladder: clear-text lines before TLS, then one arrow per TLS
 * record with only its type and size. Same geometry as ladderLayout, so switching views keeps the
 * picture in place; arrow indexes stay the conversation's event indexes.
 */
import { LADDER_DEFAULTS, cutText, elapsedLabel, placeLabels, type Ladder, type LadderNote, type UnplacedArrow } from '../../core/ladder/ladder-layout';
import type { EavesdropperView } from '../../core/ladder/eavesdropper';

const HEADER = 48;
const FOOTER = 16;
const SLANT = 0.35;

export function eavesdropperLadder(view: EavesdropperView, labels: { client: string; server: string }, width: number = LADDER_DEFAULTS.width): Ladder {
  const rowHeight = LADDER_DEFAULTS.rowHeight;
  const margin = Math.min(120, width / 5);
  const client = { x: margin, label: labels.client };
  const server = { x: width - margin, label: labels.server };
  // As many monospace characters as fit between the lifelines, like ladderLayout.
  const maxChars = Math.max(8, Math.floor((server.x - client.x - 16) / 7.8));
  const rowY = (row: number) => HEADER + row * rowHeight + rowHeight / 2;

  const arrows: UnplacedArrow[] = [];
  const notes: LadderNote[] = [];
  const tlsFrom = view.encryptedFrom;
  view.items.forEach((item, row) => {
    const y = rowY(row);
    if (item.kind === 'note') {
      notes.push({ index: item.index, y, text: item.text, kind: item.info });
      return;
    }
    const fromClient = item.from === 'client';
    const text = item.kind === 'line' ? item.text : `TLS ${item.type} record, ${item.bytes} bytes`;
    arrows.push({
      index: item.index,
      dir: item.from,
      x1: fromClient ? client.x : server.x,
      x2: fromClient ? server.x : client.x,
      y1: y,
      y2: y + rowHeight * SLANT,
      text: cutText(text, maxChars),
      fullText: text,
      at: item.at,
      sentAt: null,
      time: elapsedLabel(item.at),
      tls: item.kind === 'record',
      batch: null,
    });
  });
  const rows = view.items.length;
  return {
    width,
    height: HEADER + rows * rowHeight + FOOTER,
    rowHeight,
    lifelines: { client, server },
    arrows: placeLabels(arrows, rowHeight),
    tlsBands: tlsFrom === null ? [] : [{ y1: rowY(tlsFrom) - rowHeight / 2, y2: rowY(rows - 1) + rowHeight / 2 }],
    notes,
  };
}
