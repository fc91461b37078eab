/**
 * Which engine to talk to, and how.
 *
 * Rules, in order (the docker CLI's):
 * 1. an explicit host: the CLI's `-H/--host` flag, or a `hosts:` entry's `docker:` URL;
 * 2. `DOCKER_HOST` (empty counts as unset);
 * 3. the default socket `unix:///var/run/docker.sock`.
 *
 * TLS: for the flag and `DOCKER_HOST`, TLS is on when `DOCKER_TLS_VERIFY` is non-empty (as
 * the docker CLI), with `ca.pem`, `cert.pem`, `key.pem` from `DOCKER_CERT_PATH` (default
 * `$DOCKER_CONFIG` or `~/.docker`). A `hosts:` entry carries its own `tls: {ca, cert, key}`
 * paths and ignores those variables.
 *
 * ssh: the key of a `hosts:` entry's `ssh: {identity}`; without one, the agent of
 * `SSH_AUTH_SOCK` and the first usable (unencrypted) `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
 * The server's host key must be in `ssh: {known_hosts}` or else `~/.ssh/known_hosts` (ssh.ts).
 * The engine is reached by running `docker system dial-stdio` on the far side (as the docker
 * CLI does), so that side's `docker` must reach the engine (its DOCKER_HOST or default socket).
 *
 * `resolveEndpoint` is pure (no file is read); `connect` reads the TLS files and builds the Engine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { TsfigError } from '../errors.js';
import type { Engine } from './engine.js';
import { dockerEngine } from './docker.js';
import { selectContext } from './context.js';
import { DEFAULT_SOCKET, DEFAULT_URL, type DockerContext, type Endpoint, type EndpointProtocol, type SshAuth, type SshSettings, type TlsMaterial, type TlsPaths } from './endpoint.js';
import { expandIdentityFile, lookupSshConfig, type SshConfigReader } from './sshconfig.js';

export { DEFAULT_SOCKET, DEFAULT_URL } from './endpoint.js';
export type { DockerContext, Endpoint, EndpointProtocol, SshAuth, SshSettings, TlsMaterial, TlsPaths } from './endpoint.js';

export interface ResolveOptions {
  /** The `-H/--host` flag, or a `hosts:` entry's `docker:` URL. Empty counts as absent. */
  host?: string;
  /** TLS files of a `hosts:` entry (relative paths resolve against `baseDir`). */
  tls?: TlsPaths;
  /** ssh settings of a `hosts:` entry (relative paths resolve against `baseDir`). */
  ssh?: SshSettings;
  /** The host comes from a `hosts:` entry: DOCKER_TLS_VERIFY / DOCKER_CERT_PATH do not apply. */
  fromHosts?: boolean;
  /**
   * A docker CLI context (see context.ts), used when `host` is absent: its endpoint and TLS
   * files, in place of DOCKER_HOST and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH.
   */
  context?: DockerContext;
  env: NodeJS.ProcessEnv;
  /** For `~` and the default cert path; defaults to env.HOME, then the OS home. */
  homeDir?: string;
  /** For relative TLS paths of a `hosts:` entry (the project directory); defaults to the cwd. */
  baseDir?: string;
}

/** The key files `ssh` tries without `-i` (those ssh2 can use), in its order. */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/** true for localhost names, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(h);
  return mapped !== null;
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function parseError(raw: string, origin: string, detail: string): TsfigError {
  return new TsfigError(`invalid Docker host ${JSON.stringify(raw)} (${origin}): ${detail}`);
}

function parsePort(text: string, raw: string, origin: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw parseError(raw, origin, `bad port ${text}`);
  return n;
}

/** Split `host[:port]`, `[v6]:port`; the host has no brackets. */
function splitHostPort(authority: string, raw: string, origin: string): { host: string; port: number | undefined } {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) throw parseError(raw, origin, 'unclosed [ in the address');
    const host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw parseError(raw, origin, 'bad address');
    return { host, port: parsePort(rest.slice(1), raw, origin) };
  }
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return { host: authority, port: undefined };
  if (authority.indexOf(':') !== colon) {
    // A bare IPv6 address without brackets and without a port.
    return { host: authority, port: undefined };
  }
  return { host: authority.slice(0, colon), port: parsePort(authority.slice(colon + 1), raw, origin) };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

interface ParsedHost {
  protocol: EndpointProtocol;
  socketPath?: string;
  host?: string;
  port?: number;
  username?: string;
  /** ssh: the path after the authority (the far side's socket). */
  path?: string;
  /** http:// / https:// force TLS off / on. */
  forceTls?: boolean;
}

const SCHEMES = 'unix://, tcp://, ssh:// or npipe://';

function parseHostUrl(raw: string, origin: string): ParsedHost {
  const value = raw.trim();
  // A bare absolute path: a unix socket (friendlier than the docker CLI, which rejects it).
  if (value.startsWith('/')) return { protocol: 'unix', socketPath: value };
  const sep = value.indexOf('://');
  const scheme = sep < 0 ? 'tcp' : value.slice(0, sep).toLowerCase();
  const rest = sep < 0 ? value : value.slice(sep + 3);
  switch (scheme) {
    case 'unix':
      return { protocol: 'unix', socketPath: rest === '' ? DEFAULT_SOCKET : rest };
    case 'npipe':
      return { protocol: 'npipe', socketPath: rest === '' ? '//./pipe/docker_engine' : rest };
    case 'tcp':
    case 'http':
    case 'https': {
      // Drop a path (the docker CLI allows a base path; tsfig does not use one).
      const authority = rest.split('/')[0] ?? '';
      if (authority.includes('@')) throw parseError(raw, origin, 'credentials are not supported in a tcp:// address');
      const { host, port } = splitHostPort(authority, raw, origin);
      return {
        protocol: 'tcp',
        host: host === '' ? 'localhost' : host,
        ...(port !== undefined ? { port } : {}),
        ...(scheme === 'https' ? { forceTls: true } : scheme === 'http' ? { forceTls: false } : {}),
      };
    }
    case 'ssh': {
      const slash = rest.indexOf('/');
      const authority = slash < 0 ? rest : rest.slice(0, slash);
      const path = slash < 0 ? '' : rest.slice(slash).replace(/[?#].*$/, '');
      const at = authority.lastIndexOf('@');
      const userinfo = at >= 0 ? authority.slice(0, at) : '';
      if (userinfo.includes(':')) throw parseError(raw, origin, 'passwords in ssh:// addresses are not supported (use an ssh agent)');
      const { host, port } = splitHostPort(at >= 0 ? authority.slice(at + 1) : authority, raw, origin);
      if (host === '') throw parseError(raw, origin, 'missing host name');
      return {
        protocol: 'ssh',
        host,
        ...(port !== undefined ? { port } : {}),
        ...(userinfo !== '' ? { username: decodeURIComponent(userinfo) } : {}),
        ...(path !== '' && path !== '/' ? { path } : {}),
      };
    }
    default:
      throw new TsfigError(
        `unsupported Docker host ${JSON.stringify(raw)} (${origin}): scheme ${scheme}:// is not supported; use ${SCHEMES}`,
      );
  }
}

/** Resolve the endpoint from the flag / hosts entry, the environment, or the default. Pure. */
export function resolveEndpoint(opts: ResolveOptions): Endpoint {
  const env = opts.env;
  const home = opts.homeDir ?? (env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir());
  let raw: string;
  let source: Endpoint['source'];
  if (opts.host !== undefined && opts.host.trim() !== '') {
    raw = opts.host;
    source = opts.fromHosts === true ? 'hosts' : 'flag';
  } else if (opts.context !== undefined) {
    raw = opts.context.host;
    source = 'context';
  } else if (env.DOCKER_HOST !== undefined && env.DOCKER_HOST.trim() !== '') {
    raw = env.DOCKER_HOST;
    source = 'env';
  } else {
    raw = DEFAULT_URL;
    source = 'default';
  }
  const ctx = source === 'context' ? opts.context : undefined;
  const origin =
    source === 'flag' ? '--host' : source === 'hosts' ? 'hosts:' : source === 'env' ? 'DOCKER_HOST' : ctx !== undefined ? `context ${ctx.name}` : 'default';
  const parsed = parseHostUrl(raw, origin);

  const abs = (p: string): string => {
    const expanded = expandHome(p, home);
    return isAbsolute(expanded) ? expanded : resolvePath(opts.baseDir ?? process.cwd(), expanded);
  };

  // TLS settings.
  let tls: TlsPaths | undefined;
  let verify = false;
  if (ctx !== undefined) {
    if (ctx.tls !== undefined) {
      tls = ctx.tls;
      verify = !ctx.skipTLSVerify;
    }
  } else if (source === 'hosts' || opts.tls !== undefined) {
    if (opts.tls !== undefined && (opts.tls.ca !== undefined || opts.tls.cert !== undefined || opts.tls.key !== undefined)) {
      tls = {
        ...(opts.tls.ca !== undefined ? { ca: abs(opts.tls.ca) } : {}),
        ...(opts.tls.cert !== undefined ? { cert: abs(opts.tls.cert) } : {}),
        ...(opts.tls.key !== undefined ? { key: abs(opts.tls.key) } : {}),
      };
      verify = true;
    }
  } else if (env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '') {
    const configDir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(home, '.docker');
    const certDir = expandHome(env.DOCKER_CERT_PATH !== undefined && env.DOCKER_CERT_PATH !== '' ? env.DOCKER_CERT_PATH : configDir, home);
    tls = { ca: join(certDir, 'ca.pem'), cert: join(certDir, 'cert.pem'), key: join(certDir, 'key.pem') };
    verify = true;
  }
  if (parsed.forceTls === true && tls === undefined) {
    tls = {};
    verify = true;
  }
  if (parsed.forceTls === false) {
    tls = undefined;
    verify = false;
  }

  switch (parsed.protocol) {
    case 'unix':
    case 'npipe': {
      const socketPath = parsed.socketPath ?? DEFAULT_SOCKET;
      return {
        url: `${parsed.protocol}://${socketPath}`,
        protocol: parsed.protocol,
        socketPath,
        verify: false,
        insecure: false,
        source,
      };
    }
    case 'tcp': {
      const host = parsed.host ?? 'localhost';
      const port = parsed.port ?? (tls !== undefined ? 2376 : 2375);
      return {
        url: `tcp://${formatHost(host)}:${port}`,
        protocol: 'tcp',
        host,
        port,
        ...(tls !== undefined ? { tls } : {}),
        verify: tls !== undefined && verify,
        insecure: tls === undefined && !isLoopbackHost(host),
        source,
      };
    }
    case 'ssh': {
      const host = parsed.host ?? '';
      const port = parsed.port ?? 22;
      const user = parsed.username !== undefined ? `${encodeURIComponent(parsed.username)}@` : '';
      const identity = opts.ssh?.identity !== undefined && opts.ssh.identity !== '' ? abs(opts.ssh.identity) : undefined;
      const agent = env.SSH_AUTH_SOCK !== undefined && env.SSH_AUTH_SOCK !== '' ? env.SSH_AUTH_SOCK : undefined;
      const knownHosts = opts.ssh?.known_hosts !== undefined && opts.ssh.known_hosts !== '' ? abs(opts.ssh.known_hosts) : join(home, '.ssh', 'known_hosts');
      const homePrefix = `${home.replace(/\/+$/, '')}/`;
      const knownHostsLabel = homePrefix !== '/' && knownHosts.startsWith(homePrefix) ? `~/${knownHosts.slice(homePrefix.length)}` : knownHosts;
      return {
        url: `ssh://${user}${formatHost(host)}${port === 22 ? '' : `:${port}`}${parsed.path ?? ''}`,
        protocol: 'ssh',
        host,
        port,
        ...(parsed.port !== undefined ? { portGiven: true } : {}),
        ...(parsed.path !== undefined ? { remoteSocket: parsed.path } : {}),
        sshConfig: join(home, '.ssh', 'config'),
        ...(parsed.username !== undefined ? { username: parsed.username } : {}),
        ...(identity !== undefined ? { identity } : { defaultIdentities: DEFAULT_IDENTITIES.map((f) => join(home, '.ssh', f)) }),
        ...(agent !== undefined ? { agent } : {}),
        knownHosts,
        knownHostsLabel,
        verify: false,
        insecure: false,
        source,
      };
    }
  }
}

export interface CliEndpointOptions extends Omit<ResolveOptions, 'host' | 'fromHosts' | 'context' | 'tls' | 'ssh'> {
  /** `-H/--host`. */
  flagHost?: string;
  /** `-c/--context`. */
  flagContext?: string;
  /** For tests: reads the docker CLI's files (config.json, the context store). */
  readFile?: (path: string) => string;
}

/**
 * The endpoint of the command line, as the docker CLI picks it: `-H`, `--context`,
 * `DOCKER_HOST`, `DOCKER_CONTEXT`, `currentContext` of config.json, the default socket.
 */
export function resolveCliEndpoint(opts: CliEndpointOptions): Endpoint {
  const home = opts.homeDir ?? (opts.env.HOME !== undefined && opts.env.HOME !== '' ? opts.env.HOME : homedir());
  const context = selectContext({
    ...(opts.flagContext !== undefined ? { flag: opts.flagContext } : {}),
    ...(opts.flagHost !== undefined ? { flagHost: opts.flagHost } : {}),
    env: opts.env,
    home,
    ...(opts.readFile !== undefined ? { readFile: opts.readFile } : {}),
  });
  const { flagHost, flagContext: _flagContext, readFile: _readFile, ...rest } = opts;
  const ep = resolveEndpoint({ ...rest, ...(flagHost !== undefined && flagHost.trim() !== '' ? { host: flagHost } : {}), ...(context !== undefined ? { context } : {}) });
  return context !== undefined && ep.source === 'context' ? { ...ep, context: context.name } : ep;
}

/** A URL fit for messages: no credentials, no query. */
export function endpointLabel(url: string): string {
  const sep = url.indexOf('://');
  if (sep < 0) return url;
  const scheme = url.slice(0, sep);
  let rest = url.slice(sep + 3);
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  if (scheme === 'unix' || scheme === 'npipe') return `${scheme}://${rest}`;
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  const at = authority.lastIndexOf('@');
  if (at < 0) return `${scheme}://${authority}${path}`;
  const user = authority.slice(0, at).split(':')[0] ?? '';
  return `${scheme}://${user === '' ? '' : `${user}@`}${authority.slice(at + 1)}${path}`;
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return code === 'ENOENT' ? 'no such file (ENOENT)' : code === 'EACCES' ? 'permission denied (EACCES)' : code === 'EISDIR' ? 'a directory, not a file (EISDIR)' : code;
}

function readPem(path: string, what: string, endpoint: Endpoint): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TsfigError(`cannot read the TLS ${what} ${path} for ${endpoint.url}: ${readError(err)}`);
  }
}

/**
 * Read the TLS files. From the environment (DOCKER_CERT_PATH), missing files are skipped like
 * the docker CLI does (no ca.pem: the system CAs; no cert.pem/key.pem: no client certificate);
 * files named in a `hosts:` entry must exist. A certificate without its key is an error.
 */
export function readTlsMaterial(endpoint: Endpoint, exists: (path: string) => boolean = defaultExists): TlsMaterial | undefined {
  const tls = endpoint.tls;
  if (tls === undefined) return undefined;
  const optional = endpoint.source === 'env' || endpoint.source === 'flag';
  const pick = (path: string | undefined, what: string): Buffer | undefined => {
    if (path === undefined) return undefined;
    if (optional && !exists(path)) return undefined;
    return readPem(path, what, endpoint);
  };
  const material: TlsMaterial = {};
  const ca = pick(tls.ca, 'CA certificate');
  const cert = pick(tls.cert, 'client certificate');
  const key = pick(tls.key, 'client key');
  if (ca !== undefined) material.ca = ca;
  if (cert !== undefined) material.cert = cert;
  if (key !== undefined) material.key = key;
  if ((cert === undefined) !== (key === undefined)) {
    throw new TsfigError(`TLS for ${endpoint.url}: a client certificate needs its key and the key its certificate`);
  }
  return material;
}

function defaultExists(path: string): boolean {
  return existsSync(path);
}

/** Why a private key cannot be used (encrypted, not a key), or undefined when it can. */
export type KeyCheck = (key: Buffer) => string | undefined;

const ENCRYPTED = 'it is encrypted (has a passphrase)';

/** The part of ssh2's key parser used here (`require('ssh2').utils.parseKey`). */
interface ParsedKey {
  isPrivateKey(): boolean;
}
type ParseKey = (data: Buffer) => ParsedKey | ParsedKey[] | Error;

let parseKeyFn: ParseKey | undefined;
function parseKey(key: Buffer): ParsedKey | ParsedKey[] | Error {
  // ssh2 comes with dockerode (docker-modem); loaded only for ssh endpoints.
  parseKeyFn ??= (createRequire(import.meta.url)('ssh2') as { utils: { parseKey: ParseKey } }).utils.parseKey;
  return parseKeyFn(key);
}

/**
 * What ssh2 will say of the key when connecting, asked early (its own parser, `utils.parseKey`)
 * so that the message names the file: undefined when ssh2 can use it.
 */
export function sshKeyProblem(key: Buffer): string | undefined {
  const parsed = parseKey(key);
  if (!(parsed instanceof Error)) {
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return first !== undefined && first.isPrivateKey() ? undefined : 'not a private key (OpenSSH or PEM)';
  }
  const text = key.toString('latin1');
  const why = oneLine(parsed.message);
  // ssh2 cannot decrypt PKCS#8 (`Unsupported key format`): still, the passphrase is what stops it.
  if (/encrypted|passphrase/i.test(why) || text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) return ENCRYPTED;
  if (/^Malformed/i.test(why)) return text.includes('-----BEGIN OPENSSH PRIVATE KEY-----') ? 'not a valid OpenSSH private key' : 'not a valid PEM private key';
  if (/^Unsupported key format$/i.test(why)) {
    return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)
      ? 'unsupported key format (ssh2 reads OpenSSH keys, PEM RSA, EC and DSA keys, and PuTTY keys; not PKCS#8)'
      : 'not a private key (OpenSSH or PEM)';
  }
  // `Unsupported OpenSSH key type: ...` and the like: ssh2's words.
  return `not usable by ssh2: ${why.charAt(0).toLowerCase()}${why.slice(1)}`;
}

/**
 * The key and agent of an ssh endpoint. A key named by a `hosts:` entry must be readable and
 * usable (no passphrase: tsfig cannot ask for one); default key files that are missing,
 * encrypted or not understood are passed over, as long as something else is left to try.
 */
export function readSshAuth(
  endpoint: Endpoint,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
  checkKey: KeyCheck = sshKeyProblem,
): SshAuth | undefined {
  if (endpoint.protocol !== 'ssh') return undefined;
  const auth: SshAuth = endpoint.agent !== undefined ? { agent: endpoint.agent } : {};
  if (endpoint.identity !== undefined) {
    let key: Buffer;
    try {
      key = readFile(endpoint.identity);
    } catch (err) {
      throw new TsfigError(`cannot read the ssh key ${endpoint.identity} for ${endpoint.url}: ${readError(err)}`);
    }
    const bad = checkKey(key);
    if (bad !== undefined) {
      const hint = bad === ENCRYPTED ? ': tsfig cannot ask for a passphrase; add the key to an ssh agent (ssh-add) and name no identity' : '';
      throw new TsfigError(`cannot use the ssh key ${endpoint.identity} for ${endpoint.url}: ${oneLine(bad)}${hint}`);
    }
    return { ...auth, privateKey: key, keyFile: endpoint.identity };
  }
  const skipped: string[] = [];
  for (const file of endpoint.defaultIdentities ?? []) {
    let key: Buffer;
    try {
      key = readFile(file);
    } catch {
      continue;
    }
    const bad = checkKey(key);
    if (bad === undefined) return { ...auth, privateKey: key, keyFile: file };
    skipped.push(`${file} (${oneLine(bad)})`);
  }
  if (auth.agent === undefined) {
    const tried = skipped.length > 0 ? `; not usable: ${skipped.join(', ')}` : '';
    throw new TsfigError(
      `no ssh key for ${endpoint.url}: name one in the hosts: entry (ssh: {identity: PATH}), or start an ssh agent (SSH_AUTH_SOCK)${tried}`,
    );
  }
  return auth;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * An ssh endpoint as the OpenSSH client would reach it: `~/.ssh/config`'s HostName, User and
 * Port for the host as written (a Host alias), where the URL does not say; its IdentityFiles
 * in place of the default key files when no `hosts:` entry names a key. The URL stays as
 * written, for messages.
 */
export function withSshConfig(endpoint: Endpoint, reader: SshConfigReader = sshConfigFiles, localUser: string = userInfo().username): Endpoint {
  if (endpoint.protocol !== 'ssh' || endpoint.sshConfig === undefined || endpoint.host === undefined) return endpoint;
  const home = dirname(dirname(endpoint.sshConfig));
  const c = lookupSshConfig(endpoint.sshConfig, endpoint.host, { home, localUser, reader });
  const out: Endpoint = { ...endpoint };
  out.host = c.hostName;
  if (c.user !== undefined && endpoint.username === undefined) out.username = c.user;
  if (c.port !== undefined && endpoint.portGiven !== true) out.port = c.port;
  if (c.identityFiles.length > 0 && endpoint.identity === undefined) {
    const tokens = { home, localUser, host: out.host ?? endpoint.host, remoteUser: out.username ?? localUser };
    out.defaultIdentities = c.identityFiles.map((f) => expandIdentityFile(f, tokens));
  }
  return out;
}

/** Reads ~/.ssh/config and its Includes from the disk. */
export const sshConfigFiles: SshConfigReader = {
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  list: (d) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  },
};

/** Build an Engine for the endpoint. No request is made: the first call reaches the engine. */
export function connect(endpoint: Endpoint): Engine {
  const ep = withSshConfig(endpoint);
  return dockerEngine(ep, readTlsMaterial(ep), readSshAuth(ep));
}

/** `resolveEndpoint` then `connect`, for the common case. */
export function connectFromEnv(opts: Partial<ResolveOptions> = {}): Engine {
  return connect(resolveEndpoint({ ...opts, env: opts.env ?? process.env }));
}
