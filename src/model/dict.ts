/**
 * Maps keyed by user names (services, networks, environment keys, labels, ...) are objects
 * without a prototype: `toString`, `constructor` or `__proto__` are then ordinary keys, a
 * lookup finds only what was written, and an assignment never touches a prototype.
 */
export function dict<T = unknown>(entries?: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Is `key` an own key of `obj` (never an inherited one)? */
export function hasKey(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Orders names as Go's `sort.Strings` does (by code unit, so `B` before `a` and `-` before
 * `_`), the order compose and the docker CLI print. Also cheap: `localeCompare` builds ICU's
 * collator on first use, ~8 ms of a command's start.
 */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
