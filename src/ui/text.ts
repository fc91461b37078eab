import { stripVTControlCharacters } from 'node:util';

/** Terminal columns a string takes, ignoring ANSI escape sequences (one column per code point). */
export function visibleWidth(s: string): number {
  let n = 0;
  for (const _ of stripVTControlCharacters(s)) n++;
  return n;
}

/** Pads `s` with spaces on the right to `width` visible columns. */
export function padEndVisible(s: string, width: number): string {
  const w = visibleWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

/** Pads `s` with spaces on the left to `width` visible columns. */
export function padStartVisible(s: string, width: number): string {
  const w = visibleWidth(s);
  return w >= width ? s : ' '.repeat(width - w) + s;
}

// CSI sequences (colours, cursor movement) and OSC sequences (terminated by BEL or ST).
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/y;

/**
 * Cuts `s` to at most `width` visible columns, keeping escape sequences intact. When it cuts,
 * the last visible column becomes `…` and a reset is appended if the string held escapes.
 */
export function truncateVisible(s: string, width: number): string {
  if (width <= 0) return '';
  if (visibleWidth(s) <= width) return s;
  let out = '';
  let used = 0;
  let sawEscape = false;
  let i = 0;
  while (i < s.length) {
    ESCAPE.lastIndex = i;
    const m = ESCAPE.exec(s);
    if (m) {
      out += m[0];
      sawEscape = true;
      i += m[0].length;
      continue;
    }
    const cp = s.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (used === width - 1) {
      out += '…';
      break;
    }
    out += ch;
    used++;
    i += ch.length;
  }
  return sawEscape ? out + '\u001b[0m' : out;
}

/**
 * Makes text from outside (engine errors, container output in messages) safe to draw inside a
 * single line: escape sequences removed, line breaks and other control characters become spaces.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return stripVTControlCharacters(text).replace(/\r?\n/g, ' ').replace(/[\u0000-\u001f\u007f]/g, ' ');
}
