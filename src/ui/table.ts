import { paint } from './color.js';
import { padEndVisible, visibleWidth } from './text.js';

export interface TableOptions {
  /** Bold headers. Cells may carry their own colours either way; widths ignore escape codes. */
  color?: boolean;
}

/** Spaces between columns, as docker's tabwriter (`padding 3`). */
const GAP = '   ';

/**
 * A docker-style table: a header row and whitespace-aligned columns, no borders, no trailing
 * spaces. Widths are measured without ANSI escapes. Short rows get empty cells. Every line ends
 * with `\n` (ready for `stdout.write`).
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, opts: TableOptions = {}): string {
  const p = paint(opts.color === true);
  const columns = Math.max(headers.length, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns; c++) {
    let w = visibleWidth(headers[c] ?? '');
    for (const row of rows) w = Math.max(w, visibleWidth(row[c] ?? ''));
    widths.push(w);
  }
  const line = (cells: readonly string[], style: (s: string) => string): string => {
    const parts: string[] = [];
    for (let c = 0; c < columns; c++) {
      const cell = cells[c] ?? '';
      const styled = cell === '' ? '' : style(cell);
      parts.push(c === columns - 1 ? styled : padEndVisible(styled, widths[c] ?? 0));
    }
    return parts.join(GAP).trimEnd();
  };
  let out = line(headers, p.bold) + '\n';
  for (const row of rows) out += line(row, (s) => s) + '\n';
  return out;
}
