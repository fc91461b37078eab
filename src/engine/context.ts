/**
 * The docker CLI's contexts: which one is current, and the endpoint it names.
 *
 * Which context, in the docker CLI's order (cli/command/cli.go resolveContextName):
 * `--context`, then (when `DOCKER_HOST` is unset) `DOCKER_CONTEXT`, then `currentContext` in
 * `$DOCKER_CONFIG/config.json`; `-H`/`DOCKER_HOST` win over the last two, and `-H` with
 * `--context` is a usage error. The context named `default` is the built-in one: `DOCKER_HOST`
 * or the default socket.
 *
 * The store: `$DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json`
 * (`{"Name", "Endpoints": {"docker": {"Host", "SkipTLSVerify"}}}`) and the TLS files under
 * `contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem`.
 *
 * The files are read through an injected reader, so the rules are testable without a disk.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TsfigError, UsageError } from '../errors.js';
import type { ContextOrigin, DockerContext, TlsPaths } from './endpoint.js';

export type { ContextOrigin, DockerContext } from './endpoint.js';

export interface ContextSources {
  /** The `--context`/`-c` flag. */
  flag?: string;
  /** The `-H`/`--host` flag. */
  flagHost?: string;
  env: Record<string, string | undefined>;
  home: string;
  /** Reads a file as text; throws a Node errno error when it cannot (default: readFileSync). */
  readFile?: (path: string) => string;
  /** Does this file exist (for the TLS files). */
  exists?: (path: string) => boolean;
}

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

export function dockerConfigDir(env: Record<string, string | undefined>, home: string): string {
  return set(env.DOCKER_CONFIG) ? env.DOCKER_CONFIG : join(home, '.docker');
}

/** The context's folder name in the store: the SHA-256 of its name, in hex. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory, not a file' : (code ?? String(err));
}

/**
 * The context that selects the endpoint, or undefined when none does (`-H`, `DOCKER_HOST`, no
 * context set, or the `default` context).
 */
export function selectContext(src: ContextSources): DockerContext | undefined {
  const read = src.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  if (set(src.flag) && set(src.flagHost)) {
    throw new UsageError('conflicting options: give either --host or --context, not both');
  }
  let name: string | undefined;
  let origin: ContextOrigin | undefined;
  if (set(src.flag)) {
    name = src.flag.trim();
    origin = '--context';
  } else if (set(src.flagHost) || set(src.env.DOCKER_HOST)) {
    return undefined;
  } else if (set(src.env.DOCKER_CONTEXT)) {
    name = src.env.DOCKER_CONTEXT.trim();
    origin = 'DOCKER_CONTEXT';
  } else {
    name = currentContext(src.env, src.home, read);
    origin = 'config.json';
  }
  if (name === undefined || name === 'default') return undefined;
  return readContext(name, origin, src.env, src.home, read, src.exists);
}

/** `currentContext` of `$DOCKER_CONFIG/config.json`; a missing file means none. */
function currentContext(env: Record<string, string | undefined>, home: string, read: (p: string) => string): string | undefined {
  const path = join(dockerConfigDir(env, home), 'config.json');
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TsfigError(`cannot read the docker CLI's configuration ${path}: ${errnoText(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TsfigError(`the docker CLI's configuration ${path} is not valid JSON: fix it, or set DOCKER_CONFIG to another folder`);
  }
  const cur = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>).currentContext : undefined;
  return typeof cur === 'string' && cur.trim() !== '' ? cur.trim() : undefined;
}

function readContext(
  name: string,
  origin: ContextOrigin,
  env: Record<string, string | undefined>,
  home: string,
  read: (p: string) => string,
  exists: ((p: string) => boolean) | undefined,
): DockerContext {
  const store = join(dockerConfigDir(env, home), 'contexts');
  const id = contextId(name);
  const metaPath = join(store, 'meta', id, 'meta.json');
  const where = `context "${name}" (${origin})`;
  let text: string;
  try {
    text = read(metaPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TsfigError(`${where} does not exist (no ${metaPath}): \`docker context ls\` lists the contexts; \`docker context use default\` goes back to the local engine`);
    }
    throw new TsfigError(`cannot read ${where}: ${metaPath}: ${errnoText(err)}`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch {
    throw new TsfigError(`${where}: ${metaPath} is not valid JSON: recreate the context with \`docker context create\``);
  }
  const docker = (meta as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | null)?.Endpoints?.docker;
  if (docker === undefined || typeof docker.Host !== 'string' || docker.Host.trim() === '') {
    throw new TsfigError(`${where} has no docker endpoint (Endpoints.docker.Host in ${metaPath}): set one with \`docker context update ${name} --docker host=URL\``);
  }
  const tlsDir = join(store, 'tls', id, 'docker');
  const has = exists ?? ((p: string) => {
    try {
      read(p);
      return true;
    } catch {
      return false;
    }
  });
  const tls: TlsPaths = {};
  for (const [key, file] of [['ca', 'ca.pem'], ['cert', 'cert.pem'], ['key', 'key.pem']] as const) {
    const p = join(tlsDir, file);
    if (has(p)) tls[key] = p;
  }
  return {
    name,
    origin,
    host: docker.Host,
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    skipTLSVerify: docker.SkipTLSVerify === true,
  };
}
