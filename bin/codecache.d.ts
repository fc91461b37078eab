// Types of bin/codecache.js (plain JavaScript: bin/ runs without a build).
type Env = Record<string, string | undefined>;
export function cacheDir(env: Env): string;
export function codeCacheEnabled(env: Env): boolean;
export function cacheKey(argv: string[]): string;
export function loadBundle(file: string, opts?: { hash?: string; encoding?: string; argv?: string[]; env?: Env }): Record<string, unknown>;
