import { stripVTControlCharacters } from 'node:util';

/**
 * Columns one code point takes on a terminal: 2 for East Asian wide and fullwidth characters
 * (CJK, Hangul, fullwidth forms, most emoji), 0 for combining marks and zero-width joiners and
 * selectors, else 1.
 */
export function charWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200b || cp === 0x200c || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Terminal columns a string takes, ignoring ANSI escape sequences (wide characters count 2). */
export function visibleWidth(s: string): number {
  let n = 0;
  for (const ch of stripVTControlCharacters(s)) n += charWidth(ch.codePointAt(0) ?? 0);
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
    const w = charWidth(cp);
    if (used + w > width - 1) {
      out += '…';
      break;
    }
    out += ch;
    used += w;
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
