import { describe, expect, it } from 'vitest';
import { segmentHitsBox } from '../../core/ladder/ladder-labels';
import { journeyMachine } from '../../core/machines/journey-machine';
import { statechartGraph } from '../../core/machines/statechart-graph';
import { COMPACT, layoutStatechart, type StatechartLayout } from './statechart-layout';

/** Every transition label each edge can show, against every arrow and every state. */
function labelProblems(layout: StatechartLayout, labelsOf: (edge: StatechartLayout['edges'][number]) => string[]): string[] {
  const problems: string[] = [];
  for (const edge of layout.edges) {
    for (const text of labelsOf(edge)) {
      const place = layout.labelFor(edge, text);
      const box = { x: place.x, y: place.y - place.height / 2, width: place.width, height: place.height };
      for (const other of layout.edges) {
        const line = other.polyline;
        if (line.slice(1).some((p, i) => segmentHitsBox({ x1: line[i]!.x, y1: line[i]!.y, x2: p.x, y2: p.y }, box))) {
          problems.push(`"${text}" (${edge.id}) crossed by ${other.id}`);
        }
      }
      for (const node of layout.nodes) {
        const overlaps = box.x < node.x + node.width / 2 && node.x - node.width / 2 < box.x + box.width && box.y < node.y + node.height / 2 && node.y - node.height / 2 < box.y + box.height;
        if (overlaps) problems.push(`"${text}" (${edge.id}) under ${node.id}`);
      }
      const { view } = layout;
      if (box.x < view.x || box.y < view.y || box.x + box.width > view.x + view.width || box.y + box.height > view.y + view.height) problems.push(`"${text}" (${edge.id}) outside the drawing`);
    }
  }
  return problems;
}

describe('statechart transition labels', () => {
  it('puts every session transition label where no arrow runs through it and no state covers it', () => {
    const layout = layoutStatechart();
    // The tracker names a transition by its edge's label, or by the state it enters.
    expect(labelProblems(layout, (edge) => [...edge.label.split(', '), edge.to])).toEqual([]);
  });

  // The journey draws none (a step's label is the name of the state it lights) but could.
  it('would put every journey step label clear of the arrows too', () => {
    const layout = layoutStatechart(statechartGraph(journeyMachine), ['aborted'], COMPACT);
    expect(labelProblems(layout, (edge) => [edge.to])).toEqual([]);
  });
});
