/**
 * Registry credentials as the docker CLI keeps them, in `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`):
 *
 * - `auths`: registry -> `{ auth: base64("user:password") }` (or `username`/`password`,
 *   `identitytoken`, `registrytoken`).
 * - `credHelpers`: registry -> helper name, and `credsStore`: the helper for every other
 *   registry. A helper is the program `docker-credential-<name>`: `get` reads the server
 *   address on stdin and prints `{"ServerURL", "Username", "Secret"}` (`Username: "<token>"`
 *   makes the secret an identity token); `list` prints server -> user.
 *
 * The helper runs with execFile and an argv array (no shell), a timeout and a size limit;
 * nothing is cached on disk and nothing is printed.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TsfigError } from '../errors.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_SERVER, registryOfText } from '../model/imageref.js';
import type { RegistryAuth } from './engine.js';

/** Docker Hub's key in `auths` (and the server address its helpers know). */
export const DOCKER_HUB_SERVER = DOCKER_HUB_AUTH_SERVER;
const DOCKER_HUB_NAMES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** The registry of an image reference: `docker.io` unless the first part names a host (Docker Hub's other names are `docker.io` too). */
export function registryOf(ref: string): string {
  const registry = registryOfText(ref);
  return DOCKER_HUB_NAMES.has(registry) ? DOCKER_HUB : registry;
}

/** `https://host:5000/v2/` -> `host:5000` (how the CLI compares `auths` keys). */
export function hostnameOf(server: string): string {
  let s = server.replace(/^https?:\/\//i, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  return DOCKER_HUB_NAMES.has(s) ? DOCKER_HUB : s;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string; email?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Runs `docker-credential-<helper> <action>` with `input` on stdin; stdout, or rejects. */
export type HelperRunner = (helper: string, action: 'get' | 'list', input: string) => Promise<string>;

export interface CredentialOptions {
  env: Record<string, string | undefined>;
  homeDir?: string;
  runHelper?: HelperRunner;
}

/** A credential helper failed (not "not found": that is no credentials). */
export class CredentialError extends TsfigError {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function defaultRunner(env: Record<string, string | undefined>): HelperRunner {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  return (helper, action, input) =>
    new Promise((resolve, reject) => {
      const child = execFile(
        `docker-credential-${helper}`,
        [action],
        { env: childEnv, timeout: 30_000, maxBuffer: 1024 * 1024, encoding: 'utf8', windowsHide: true },
        (err, stdout, stderr) => {
          if (err) {
            const out = `${stdout}`.trim() || `${stderr}`.trim();
            const code = (err as NodeJS.ErrnoException).code;
            reject(Object.assign(new Error(code === 'ENOENT' ? `docker-credential-${helper} is not installed (no such program in PATH)` : out || err.message), { stdout: `${stdout}` }));
            return;
          }
          resolve(`${stdout}`);
        },
      );
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
}

function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/\0+$/, '') };
}

export class Credentials {
  private readonly configPath: string;
  private config: ConfigFile | undefined;
  private readonly run: HelperRunner;
  private readonly cache = new Map<string, Promise<RegistryAuth | undefined>>();

  constructor(opts: CredentialOptions) {
    const dir = opts.env.DOCKER_CONFIG !== undefined && opts.env.DOCKER_CONFIG !== '' ? opts.env.DOCKER_CONFIG : join(opts.homeDir ?? opts.env.HOME ?? '', '.docker');
    this.configPath = join(dir, 'config.json');
    this.run = opts.runHelper ?? defaultRunner(opts.env);
  }

  /** The config file, read once; none is no credentials, a broken one an error. */
  private file(): ConfigFile {
    if (this.config !== undefined) return this.config;
    let text: string;
    try {
      text = readFileSync(this.configPath, 'utf8');
    } catch {
      return (this.config = {});
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      this.config = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ConfigFile) : {};
    } catch (err) {
      throw new CredentialError(`cannot read registry credentials from ${this.configPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.config;
  }

  /** The `auths` entry of a registry (keys compared as hostnames, as the CLI does). */
  private fromFile(registry: string): RegistryAuth | undefined {
    const auths = this.file().auths ?? {};
    const server = registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
    const key = Object.keys(auths).find((k) => k === server) ?? Object.keys(auths).find((k) => hostnameOf(k) === registry);
    if (key === undefined) return undefined;
    const e = auths[key] ?? {};
    const out: RegistryAuth = { serveraddress: key };
    if (typeof e.auth === 'string' && e.auth !== '') {
      const d = decodeAuth(e.auth);
      if (d === undefined) throw new CredentialError(`${this.configPath}: the auth of ${key} is not base64 of user:password`);
      out.username = d.username;
      out.password = d.password;
    } else {
      if (typeof e.username === 'string') out.username = e.username;
      if (typeof e.password === 'string') out.password = e.password;
    }
    if (typeof e.identitytoken === 'string' && e.identitytoken !== '') out.identitytoken = e.identitytoken;
    if (typeof e.registrytoken === 'string' && e.registrytoken !== '') out.registrytoken = e.registrytoken;
    return out.username !== undefined || out.identitytoken !== undefined || out.registrytoken !== undefined ? out : undefined;
  }

  private helperFor(registry: string): string | undefined {
    const f = this.file();
    const helpers = f.credHelpers ?? {};
    const named = Object.entries(helpers).find(([k]) => k === registry || hostnameOf(k) === registry)?.[1];
    const helper = named ?? f.credsStore;
    if (helper === undefined || helper === '') return undefined;
    if (!HELPER_NAME.test(helper)) throw new CredentialError(`${this.configPath}: invalid credential helper name ${JSON.stringify(helper)}`);
    return helper;
  }

  private async fromHelper(helper: string, registry: string): Promise<RegistryAuth | undefined> {
    const server = registry === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
    let out: string;
    try {
      out = await this.run(helper, 'get', server);
    } catch (err) {
      const text = `${(err as { stdout?: string }).stdout ?? ''} ${err instanceof Error ? err.message : String(err)}`;
      if (/credentials not found/i.test(text)) return undefined;
      throw new CredentialError(`credential helper docker-credential-${helper} failed for ${server}: ${(err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim()}`);
    }
    let parsed: { Username?: unknown; Secret?: unknown; ServerURL?: unknown };
    try {
      parsed = JSON.parse(out) as typeof parsed;
    } catch {
      throw new CredentialError(`credential helper docker-credential-${helper} answered something that is not JSON for ${server}`);
    }
    const username = typeof parsed.Username === 'string' ? parsed.Username : '';
    const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
    if (username === '' && secret === '') return undefined;
    if (username === '<token>') return { serveraddress: server, identitytoken: secret };
    return { serveraddress: server, username, password: secret };
  }

  /** Credentials for a registry (`docker.io`, `host:port`), or undefined. */
  forRegistry(registry: string): Promise<RegistryAuth | undefined> {
    const key = hostnameOf(registry);
    let p = this.cache.get(key);
    if (p === undefined) {
      p = (async () => {
        const helper = this.helperFor(key);
        if (helper !== undefined) {
          const got = await this.fromHelper(helper, key);
          if (got !== undefined) return got;
        }
        return this.fromFile(key);
      })();
      this.cache.set(key, p);
    }
    return p;
  }

  /** Credentials for the registry of an image reference. */
  forImage(ref: string): Promise<RegistryAuth | undefined> {
    return this.forRegistry(registryOf(ref));
  }

  private everything: Promise<Record<string, RegistryAuth>> | undefined;

  /** Every registry with credentials, by server address (what a build sends along); asked once. */
  all(): Promise<Record<string, RegistryAuth>> {
    this.everything ??= this.collectAll();
    return this.everything;
  }

  private async collectAll(): Promise<Record<string, RegistryAuth>> {
    const f = this.file();
    const servers = new Set<string>([...Object.keys(f.auths ?? {}), ...Object.keys(f.credHelpers ?? {})]);
    if (f.credsStore !== undefined && f.credsStore !== '' && HELPER_NAME.test(f.credsStore)) {
      try {
        const listed = JSON.parse(await this.run(f.credsStore, 'list', '')) as unknown;
        if (listed !== null && typeof listed === 'object') for (const k of Object.keys(listed)) servers.add(k);
      } catch {
        // A store that cannot list: the configured servers only.
      }
    }
    const out: Record<string, RegistryAuth> = {};
    for (const server of servers) {
      const auth = await this.forRegistry(server);
      if (auth !== undefined) out[server] = auth;
    }
    return out;
  }
}
