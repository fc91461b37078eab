/**
 * Times of log lines, in nanoseconds since the epoch (bigint: the engine's timestamps carry
 * nanoseconds, more than a double holds).
 *
 * - `parseTimeArg`: what `--since`/`--until` accept: RFC 3339 (`2024-05-01T10:00:00Z`, with a
 *   fraction and/or an offset; without an offset it is local time, as docker does), a date
 *   (`2024-05-01`, local midnight), Unix seconds (`1714557600.5`), or a Go-style duration
 *   back from now (`10m`, `1h30m`, `90s`, `1.5h`).
 * - `parseEngineTime`: the engine's own stamps (`2024-05-01T10:00:00.123456789Z`, RFC 3339 with
 *   nanoseconds, as `docker logs -t` prints them).
 * - `engineTime`: nanoseconds -> the `since`/`until` form the engine takes (`seconds.nanos`).
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go-style duration (`1h30m`, `10m`, `1.5s`, `250ms`) in nanoseconds; undefined if it is not one. */
export function parseDuration(text: string): bigint | undefined {
  const s = text.trim();
  if (s === '' || s === '0') return s === '0' ? 0n : undefined;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length) return undefined;
  return BigInt(Math.round(total));
}

/** Digits of a fraction of a second -> nanoseconds (`5` -> 500000000, `123456789123` -> 123456789). */
function fractionNs(frac: string | undefined): bigint {
  if (frac === undefined || frac === '') return 0n;
  return BigInt(frac.slice(0, 9).padEnd(9, '0'));
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * An RFC 3339 time (or a date) in nanoseconds. Without a zone it is local time (as docker's
 * `--since 2024-05-01T10:00` is). undefined when the text is not such a time.
 */
export function parseRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac, zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 60) return undefined;
  let ms: number;
  if (zone === undefined) {
    ms = new Date(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]).getTime();
  } else {
    ms = Date.UTC(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
    if (zone !== 'Z' && zone !== 'z') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
      ms -= z[1] === '+' ? offset : -offset;
    }
  }
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(ms) * NS_PER_MS + fractionNs(frac);
}

/**
 * `--since`/`--until`: RFC 3339, a date, Unix seconds, or a duration back from `nowMs`.
 * undefined when the text is none of these.
 */
export function parseTimeArg(text: string, nowMs: number = Date.now()): bigint | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  const unix = /^(\d+)(?:\.(\d+))?$/.exec(s);
  // A bare number of 8 digits is Unix seconds, not a date (docker reads it the same way).
  if (unix) return BigInt(unix[1]!) * NS_PER_S + fractionNs(unix[2]);
  const abs = parseRfc3339(s);
  if (abs !== undefined) return abs;
  const d = parseDuration(s);
  if (d !== undefined) return BigInt(nowMs) * NS_PER_MS - d;
  return undefined;
}

const ENGINE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** The engine's RFC 3339 nano stamp in nanoseconds; undefined when it is not one. */
export function parseEngineTime(stamp: string): bigint | undefined {
  const m = ENGINE_TIME.exec(stamp);
  if (!m) return undefined;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const zone = m[8]!;
  if (zone !== 'Z') {
    const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    ms -= zone.startsWith('+') ? offset : -offset;
  }
  return BigInt(ms) * NS_PER_MS + fractionNs(m[7]);
}

/** Does `text` look like the start of an engine stamp (cheap check before parsing)? */
export function looksLikeEngineTime(text: string): boolean {
  // `YYYY-MM-DDTHH:MM:SS`: the dashes, the T and the colons in place (runs once per message).
  return text.length >= 19 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 84 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58;
}

/**
 * Order of two engine stamps. Stamps of one engine have a fixed width and zone, so equal
 * lengths compare as strings (the common, cheap case); otherwise they are parsed.
 */
export function compareEngineTime(a: string, b: string): number {
  if (a.length === b.length && a.endsWith('Z') === b.endsWith('Z')) return a < b ? -1 : a > b ? 1 : 0;
  const x = parseEngineTime(a);
  const y = parseEngineTime(b);
  if (x === undefined || y === undefined) return a < b ? -1 : a > b ? 1 : 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Nanoseconds -> the engine's `since`/`until` query form: `seconds.nanoseconds`. */
export function engineTime(ns: bigint): string {
  const n = ns < 0n ? 0n : ns;
  return `${n / NS_PER_S}.${(n % NS_PER_S).toString().padStart(9, '0')}`;
}

/** Now, in nanoseconds (millisecond precision). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}
