import type { Page } from 'playwright-core';

/**
 * The texts under `root` that an arrow runs through, measured with the font the page really draws:
 * each text's box against points a pixel apart along every arrow (`arrows`: a selector of SVG
 * paths or lines). A hair inside the box, so an arrow that only grazes its edge does not count.
 */
export function diagramCrossings(page: Page, root: string, arrows: string, texts = 'text'): Promise<string[]> {
  return page.locator(`${root} svg`).first().evaluate(
    (svg, { arrows, texts }) => {
      const lines = [...svg.querySelectorAll<SVGGeometryElement>(arrows)].map((line) => {
        const length = line.getTotalLength();
        const points: DOMPoint[] = [];
        for (let at = 0; at <= length; at += 1) points.push(line.getPointAtLength(at));
        return { name: line.closest('[data-edge]')?.getAttribute('data-edge') ?? line.closest('[data-index]')?.getAttribute('data-index') ?? '', points };
      });
      const found: string[] = [];
      for (const text of svg.querySelectorAll<SVGTextElement>(texts)) {
        const b = text.getBBox();
        if (b.width === 0) continue;
        for (const line of lines) {
          if (line.points.some((p) => p.x > b.x + 0.5 && p.x < b.x + b.width - 0.5 && p.y > b.y + 0.5 && p.y < b.y + b.height - 0.5)) {
            found.push(`"${text.textContent ?? ''}" crossed by ${line.name}`);
          }
        }
      }
      return found;
    },
    { arrows, texts },
  );
}
