/**
 * Durations and sizes as docker and compose write them: `1m30s`, `512m`. Pure parsers and
 * Go's duration format, shared by the loader (config/shortsyntax.ts) and the engine spec
 * (reconcile/spec.ts, for keys kept as written: deploy resources, blkio_config, cpu_rt_*).
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string; hint?: string };

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(error: string, hint?: string): Parsed<T> {
  return hint === undefined ? { ok: false, error } : { ok: false, error, hint };
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

// ---------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------

const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};
export const DURATION_HINT = 'write a duration like 1m30s, 10s, 500ms or 1h (units ns, us, ms, s, m, h, d, w)';
const MAX_NS = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A duration in NANOSECONDS. Strings follow go-str2duration (what compose-go uses): Go's
 * `time.ParseDuration` plus `d` and `w` units, e.g. `1m30s`, `1.5s`, `500ms`, `2us`. A number,
 * or a string that is only a number, means seconds (docker-compose v1 read them so; compose v2
 * wants a unit).
 *
 * Differs from compose: negative durations are refused (no key takes one), and so are
 * durations above 2^53 ns (about 104 days) that a JS number cannot hold exactly.
 */
export function parseDuration(v: string | number): Parsed<number> {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail(`duration ${v} is not a number`, DURATION_HINT);
    if (v < 0) return fail(`duration ${v} is negative`, DURATION_HINT);
    const ns = Math.round(v * 1e9);
    if (ns > Number.MAX_SAFE_INTEGER) return fail(`duration ${v}s is too long`, 'use a duration below 104 days');
    return ok(ns);
  }
  if (typeof v !== 'string') return fail(`duration must be a string or a number, not ${kind(v)}`, DURATION_HINT);
  const text = v;
  if (/^\+?(\d+(\.\d*)?|\.\d+)$/.test(text)) return parseDuration(Number(text.replace(/^\+/, '')));

  let s = text;
  if (s.startsWith('-')) return fail(`duration ${JSON.stringify(text)} is negative`, DURATION_HINT);
  if (s.startsWith('+')) s = s.slice(1);
  if (s === '') return fail(`duration ${JSON.stringify(text)} is empty`, DURATION_HINT);
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const intPart = m?.[1] ?? '';
    const fracPart = m?.[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) {
      return fail(`duration ${JSON.stringify(text)} is not valid`, DURATION_HINT);
    }
    s = s.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]+/.exec(s);
    if (unitMatch === null) return fail(`duration ${JSON.stringify(text)} has a number without a unit`, DURATION_HINT);
    const unitText = unitMatch[0];
    const unit = NS[unitText];
    if (unit === undefined) return fail(`duration ${JSON.stringify(text)} has an unknown unit ${JSON.stringify(unitText)}`, DURATION_HINT);
    s = s.slice(unitText.length);
    let part = BigInt(intPart === '' ? '0' : intPart) * unit;
    if (fracPart !== undefined && fracPart !== '') {
      // As Go: the fraction scaled in float64, truncated to whole nanoseconds.
      const digits = fracPart.slice(0, 18);
      const frac = Number(digits);
      const scale = 10 ** digits.length;
      part += BigInt(Math.trunc(frac * (Number(unit) / scale)));
    }
    total += part;
    if (total > MAX_NS) return fail(`duration ${JSON.stringify(text)} is too long`, 'use a duration below 104 days');
  }
  return ok(Number(total));
}

function fmtFrac(v: number, prec: number): { frac: string; rest: number } {
  const div = 10 ** prec;
  const fracDigits = String(v % div).padStart(prec, '0').replace(/0+$/, '');
  return { frac: fracDigits === '' ? '' : `.${fracDigits}`, rest: Math.floor(v / div) };
}

/** Go's `time.Duration.String()`: `1m30s`, `500ms`, `1.5µs`, `1h0m0s`, `0s`. */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const neg = ns < 0;
  const u = Math.trunc(Math.abs(ns));
  let out: string;
  if (u < 1e9) {
    if (u === 0) return '0s';
    if (u < 1e3) out = `${u}ns`;
    else if (u < 1e6) {
      const { frac, rest } = fmtFrac(u, 3);
      out = `${rest}${frac}µs`;
    } else {
      const { frac, rest } = fmtFrac(u, 6);
      out = `${rest}${frac}ms`;
    }
  } else {
    const { frac, rest } = fmtFrac(u, 9);
    const seconds = rest % 60;
    const minutesTotal = Math.floor(rest / 60);
    out = `${seconds}${frac}s`;
    if (minutesTotal > 0) {
      out = `${minutesTotal % 60}m${out}`;
      const hours = Math.floor(minutesTotal / 60);
      if (hours > 0) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

// ---------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------

const BINARY: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const SIZE_HINT = 'write a size like 512m, 1g, 1.5g, 100k or a number of bytes (units b, k, m, g, t, p; binary)';

/**
 * A size in bytes, as docker/go-units `RAMInBytes`: a decimal number, an optional single
 * space, an optional unit k/m/g/t/p (case-insensitive, 1024-based), an optional `i` and an
 * optional `b`: `512m`, `1.5g`, `100kb`, `32KiB`, `2b`. Fractions of a byte are truncated.
 */
export function parseBytes(v: string | number): Parsed<number> {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail(`size ${v} is not a number`, SIZE_HINT);
    if (v < 0) return fail(`size ${v} is negative`, SIZE_HINT);
    if (v > Number.MAX_SAFE_INTEGER) return fail(`size ${v} is too large`, SIZE_HINT);
    return ok(Math.trunc(v));
  }
  if (typeof v !== 'string') return fail(`size must be a string or a number, not ${kind(v)}`, SIZE_HINT);
  if (v.startsWith('-')) return fail(`size ${JSON.stringify(v)} is negative`, SIZE_HINT);
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(v);
  if (m === null) return fail(`size ${JSON.stringify(v)} is not valid`, SIZE_HINT);
  const mul = BINARY[(m[2] ?? '').toLowerCase()] ?? 1;
  const bytes = Math.trunc(Number(m[1]) * mul);
  if (bytes > Number.MAX_SAFE_INTEGER) return fail(`size ${JSON.stringify(v)} is too large`, SIZE_HINT);
  return ok(bytes);
}
