/** Colour decisions and tiny ANSI helpers. No dependencies: SGR codes are a few bytes. */

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether to colour output written to `stream`. Order: `--ansi never|always` (as
 * `COMPOSE_ANSI`, which the flag sets; `auto` decides as below), then `FORCE_COLOR` (non-empty; `0`/`false`
 * force off, anything else forces on), then `NO_COLOR` (any non-empty value: off), then
 * `TERM=dumb` (off), then whether the stream is a TTY. `FORCE_COLOR` winning over `NO_COLOR`
 * follows Node's own rule (`tty.WriteStream#getColorDepth`).
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  const ansi = env['COMPOSE_ANSI']?.trim().toLowerCase();
  if (ansi === 'never') return false;
  if (ansi === 'always') return true;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

export type Style = (s: string) => string;

function sgr(open: number, close: number): Style {
  return (s) => `\u001b[${open}m${s}\u001b[${close}m`;
}

const identity: Style = (s) => s;

export interface Painter {
  enabled: boolean;
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
  blue: Style;
  cyan: Style;
  magenta: Style;
  gray: Style;
}

const ON: Painter = {
  enabled: true,
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  magenta: sgr(35, 39),
  cyan: sgr(36, 39),
  gray: sgr(90, 39),
};

const OFF: Painter = {
  enabled: false,
  bold: identity,
  dim: identity,
  red: identity,
  green: identity,
  yellow: identity,
  blue: identity,
  cyan: identity,
  magenta: identity,
  gray: identity,
};

/** Style functions that colour when `enabled` and return the text unchanged otherwise. */
export function paint(enabled: boolean): Painter {
  return enabled ? ON : OFF;
}

/**
 * Foreground SGR codes of the per-service palette, in compose's order
 * (`cmd/formatter/colors.go`): cyan, yellow, green, magenta, blue, red, then the bright variants.
 */
export const SERVICE_PALETTE: readonly number[] = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91];

/** The colour for the `index`-th service (or container) of a log stream; wraps after 12. */
export function serviceColor(index: number, enabled = true): Style {
  if (!enabled) return identity;
  const n = SERVICE_PALETTE.length;
  const i = ((Math.trunc(index) % n) + n) % n;
  return sgr(SERVICE_PALETTE[i] ?? 36, 39);
}
