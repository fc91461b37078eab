/**
 * ssh:// endpoints: an http.Agent whose connections are `docker system dial-stdio` channels
 * over ssh (what the docker CLI runs on the far side), instead of docker-modem's own ssh
 * transport, which
 * - opens a new ssh connection (TCP, key exchange, authentication) for every request, so that
 *   the dozen requests tsfig makes at once run into sshd's MaxStartups (10 by default: more
 *   unauthenticated connections are dropped at random);
 * - builds request URLs as `ssh:HOST:PORT...`, which Node reports with a DeprecationWarning
 *   (DEP0170) on stderr.
 * Here the channels share ssh connections, at most CHANNELS_PER_CONNECTION each (sshd's
 * MaxSessions is 10 by default); a connection that nobody uses does not keep the process alive
 * and is closed after a while. The transport (http.ts) sends plain `http` through this agent.
 *
 * The server's host key is checked against an OpenSSH known_hosts file (`~/.ssh/known_hosts`
 * or the `hosts:` entry's `ssh: {known_hosts}`), as `ssh` does in batch mode: a host that is
 * not in the file, a key that differs from the one recorded for the host, and a revoked key are
 * refused, with a one-line error (`SshHostKeyError`) that says what to do. There is no way to
 * skip the check. The key types recorded for the host are asked for first, as ssh does.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Agent, ClientRequestArgs } from 'node:http';
import { createRequire } from 'node:module';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

/** What the ssh connection needs. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey?: Buffer;
  /** ssh agent socket. */
  agent?: string;
  /** The engine's socket on the far side (`ssh://host/path`): `docker --host unix://PATH system dial-stdio`. */
  remoteSocket?: string;
  /** ms to wait for the key exchange and authentication. */
  readyTimeout?: number;
  /** The known_hosts file the server's key is checked against; default `~/.ssh/known_hosts`. */
  knownHosts?: string;
  /** How messages name that file (`~/.ssh/known_hosts`); default the path. */
  knownHostsLabel?: string;
}

/** The server's host key was refused (unknown, changed, revoked), or the known_hosts file could not be read. */
export class SshHostKeyError extends Error {
  readonly code = 'ERR_SSH_HOST_KEY';
  constructor(message: string) {
    super(message);
    this.name = 'SshHostKeyError';
  }
}

// ---------------------------------------------------------------- known_hosts

/** One key line of a known_hosts file. */
export interface KnownHost {
  /** 1-based line number, for messages. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: `host,[host]:port,pat*,!neg` or `|1|salt|hash`. */
  hosts: string;
  /** The key type inside the blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
  type: string;
  /** The public key blob (the base64 field, decoded). */
  key: Buffer;
}

/** The type name at the start of an ssh public key blob, or undefined when it is not one. */
export function keyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/**
 * The key lines of a known_hosts file. Comments, blank lines and lines that are not
 * `[@marker] hosts type base64 [comment]` with a well-formed key (old SSH-1 lines, unknown
 * markers, broken base64) are skipped, as ssh skips them.
 */
export function parseKnownHosts(text: string): KnownHost[] {
  const out: KnownHost[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/[ \t]+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHost['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, declared, b64] = fields;
    if (hosts === undefined || declared === undefined || b64 === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    const type = keyType(key);
    if (type === undefined || type !== declared) return;
    out.push({ line: i + 1, ...(marker !== undefined ? { marker } : {}), hosts, type, key });
  });
  return out;
}

/** The name ssh looks a host up by: `host` on port 22, `[host]:port` otherwise; lower case. */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH's wildcards: `*` any run of characters, `?` one; case-insensitive. */
function wildcard(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** `|1|salt|hash`: HMAC-SHA1 of the name keyed with the salt. */
function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const want = Buffer.from(parts[3] ?? '', 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * Whether a host field names `name` (from `knownHostName`): a hashed entry, or a comma list of
 * patterns where a matching `!pattern` excludes the host whatever else matches.
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern === '') continue;
    if (pattern.startsWith('!')) {
      if (wildcard(pattern.slice(1), name)) return false;
    } else if (wildcard(pattern, name)) matched = true;
  }
  return matched;
}

/** `SHA256:...` as ssh shows it: base64 of the SHA-256 of the blob, without padding. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The known_hosts file as the check sees it. */
export interface KnownHostsFile {
  /** How messages name it. */
  label: string;
  entries: KnownHost[];
}

const KEYSCAN_TYPE: Record<string, string> = {
  'ssh-ed25519': 'ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa',
  'ecdsa-sha2-nistp384': 'ecdsa',
  'ecdsa-sha2-nistp521': 'ecdsa',
  'ssh-rsa': 'rsa',
  'ssh-dss': 'dsa',
};

/** A word for a shell command line: as is when safe, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Check the server's host key: undefined when the file records this very key for the host,
 * else why it is refused (one line). Entries marked @cert-authority never match (ssh2 does not
 * do host certificates); a key marked @revoked for the host is refused whatever else says.
 */
export function checkHostKey(file: KnownHostsFile, host: string, port: number, key: Buffer): string | undefined {
  const name = knownHostName(host, port);
  const shown = port === 22 ? host : `[${host}]:${port}`;
  const fp = fingerprint(key);
  const type = keyType(key) ?? 'unknown';
  // @cert-authority lines are neither keys nor revocations: they never match.
  const mine = file.entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = mine.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked !== undefined) {
    return `ssh: the host key of ${shown} (${fp}) is marked @revoked in ${file.label} (line ${revoked.line}): refusing to connect`;
  }
  const keys = mine.filter((e) => e.marker === undefined);
  if (keys.some((e) => e.key.equals(key))) return undefined;
  const old = keys.find((e) => e.type === type);
  if (old !== undefined) {
    return `ssh: the host key of ${shown} has CHANGED (${fp}); if that is expected, remove the old entry from ${file.label} (line ${old.line})`;
  }
  const others = [...new Set(keys.map((e) => e.type))];
  const note = others.length > 0 ? ` (${file.label} has only ${others.join(', ')} keys for it; the server offered ${type})` : '';
  const scan = `ssh-keyscan ${port === 22 ? '' : `-p ${port} `}${KEYSCAN_TYPE[type] !== undefined ? `-t ${KEYSCAN_TYPE[type]} ` : ''}${shellWord(host)} >> ${shellWord(file.label)}`;
  return `ssh: the host key of ${shown} is not known${note}: add it to ${file.label} (${scan}, after checking its fingerprint ${fp})`;
}

/** The host key algorithms ssh2 offers, in its order, and what each key type is negotiated as. */
const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * ssh2's `algorithms.serverHostKey` that asks first for the key types the file records for
 * the host (as ssh does), so that a server with several host keys shows the known one.
 */
export function preferredHostKeyAlgorithms(file: KnownHostsFile, host: string, port: number): string[] {
  const name = knownHostName(host, port);
  const out: string[] = [];
  for (const e of file.entries) {
    if (e.marker !== undefined || !hostFieldMatches(e.hosts, name)) continue;
    for (const a of HOST_KEY_ALGORITHMS[e.type] ?? []) if (!out.includes(a)) out.push(a);
  }
  return out;
}

/** Read and parse a known_hosts file; a missing one has no entries. */
export function readKnownHosts(path: string, label: string = path, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): KnownHostsFile {
  try {
    return { label, entries: parseKnownHosts(read(path)) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { label, entries: [] };
    const why = code === 'EACCES' ? 'permission denied (EACCES)' : code === 'EISDIR' ? 'a directory, not a file (EISDIR)' : (code ?? String(err));
    throw new SshHostKeyError(`ssh: cannot read the known_hosts file ${label}: ${why}`);
  }
}

/** The part of ssh2's Client used here. */
interface Ssh2Client {
  on(event: 'ready', fn: () => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'close', fn: () => void): this;
  connect(config: Record<string, unknown>): this;
  exec(command: string, cb: (err: Error | undefined, channel: Duplex & { stderr: NodeJS.ReadableStream }) => void): boolean;
  end(): this;
}

type Ssh2 = { Client: new () => Ssh2Client };

/** sshd's default MaxSessions is 10; stay below it. */
export const CHANNELS_PER_CONNECTION = 8;
/** An idle connection is closed after this long (ms). */
const IDLE_MS = 5_000;
const DIAL = 'docker system dial-stdio';

/** The far side's command, as the docker CLI's ssh helper runs it (cli/connhelper). */
export function dialCommand(remoteSocket?: string): string {
  return remoteSocket === undefined ? DIAL : `docker --host ${shellWord(`unix://${remoteSocket}`)} system dial-stdio`;
}

interface Conn {
  client: Ssh2Client;
  sock: Socket;
  ready: Promise<void>;
  channels: number;
  dead: boolean;
  idle?: NodeJS.Timeout;
  /** Why the host key was refused: the error the connection fails with. */
  refused?: SshHostKeyError;
}

function loadSsh2(): Ssh2 {
  // ssh2 comes with dockerode (docker-modem); loaded only for ssh endpoints.
  return createRequire(import.meta.url)('ssh2') as Ssh2;
}

let dialAgentClass: (new (target: SshTarget) => Agent) | undefined;

/**
 * An http.Agent whose connections are `docker system dial-stdio` channels. The class is made on
 * first use, so node:http loads only for an ssh endpoint or a call that needs it (issue 16).
 */
export function sshDialAgent(target: SshTarget): Agent {
  dialAgentClass ??= makeDialAgentClass(process.getBuiltinModule('node:http').Agent);
  return new dialAgentClass(target);
}

function makeDialAgentClass(Base: typeof Agent): new (target: SshTarget) => Agent {
  return class SshDialAgent extends Base {
    private readonly target: SshTarget;
    private readonly conns: Conn[] = [];

    constructor(target: SshTarget) {
      super({ keepAlive: false });
      this.target = target;
    }

    override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
      this.channel().then(
        (stream) => callback?.(null, stream),
        (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
      );
      return undefined;
    }

    /** Close every ssh connection. */
    override destroy(): void {
      for (const c of this.conns.splice(0)) this.close(c);
      super.destroy();
    }

    private open(): Conn {
      const { host, port } = this.target;
      // Read for each connection: a key added meanwhile counts. Unreadable: fail before connecting.
      const path = this.target.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
      const known = readKnownHosts(path, this.target.knownHostsLabel ?? path);
      const { Client } = loadSsh2();
      const client = new Client();
      const sock = netConnect({ host, port });
      const conn: Conn = { client, sock, ready: Promise.resolve(), channels: 0, dead: false };
      conn.ready = new Promise<void>((resolve, reject) => {
        client.on('ready', resolve);
        client.on('error', (err) => {
          conn.dead = true;
          reject(conn.refused ?? err);
        });
        client.on('close', () => {
          conn.dead = true;
          const i = this.conns.indexOf(conn);
          if (i >= 0) this.conns.splice(i, 1);
          if (conn.idle) clearTimeout(conn.idle);
          reject(Object.assign(new Error(`ssh connection to ${this.target.host}:${this.target.port} closed`), { code: 'ECONNRESET' }));
        });
      });
      // Nobody waits for a connection that failed while idle.
      conn.ready.catch(() => undefined);
      const preferred = preferredHostKeyAlgorithms(known, host, port);
      client.connect({
        sock,
        host,
        port,
        username: this.target.username,
        hostVerifier: (key: Buffer): boolean => {
          const why = checkHostKey(known, host, port, key);
          if (why !== undefined) conn.refused = new SshHostKeyError(why);
          return why === undefined;
        },
        // Removed, then put first: the order of the keys matters to ssh2.
        ...(preferred.length > 0 ? { algorithms: { serverHostKey: { remove: preferred, prepend: preferred } } } : {}),
        ...(this.target.privateKey !== undefined ? { privateKey: this.target.privateKey } : {}),
        ...(this.target.agent !== undefined ? { agent: this.target.agent } : {}),
        readyTimeout: this.target.readyTimeout ?? 20_000,
      });
      this.conns.push(conn);
      return conn;
    }

    private close(c: Conn): void {
      c.dead = true;
      if (c.idle) clearTimeout(c.idle);
      c.client.end();
      c.sock.destroy();
    }

    private async channel(): Promise<Duplex> {
      const conn = this.conns.find((c) => !c.dead && c.channels < CHANNELS_PER_CONNECTION) ?? this.open();
      conn.channels++;
      if (conn.idle) {
        clearTimeout(conn.idle);
        delete conn.idle;
      }
      conn.sock.ref();
      try {
        await conn.ready;
        return await new Promise<Duplex>((resolve, reject) => {
          conn.client.exec(dialCommand(this.target.remoteSocket), (err, stream) => {
            if (err) return reject(err);
            let released = false;
            const release = () => {
              if (released) return;
              released = true;
              this.release(conn);
            };
            stream.once('close', release);
            // What dial-stdio says when it fails (no docker, no engine) goes nowhere else.
            stream.stderr.on('data', () => undefined);
            resolve(stream);
          });
        });
      } catch (err) {
        this.release(conn);
        throw err;
      }
    }

    private release(conn: Conn): void {
      conn.channels--;
      if (conn.channels > 0 || conn.dead) return;
      // Idle: it must not keep the process alive; closed after a while.
      conn.sock.unref();
      conn.idle = setTimeout(() => {
        const i = this.conns.indexOf(conn);
        if (i >= 0) this.conns.splice(i, 1);
        this.close(conn);
      }, IDLE_MS);
      conn.idle.unref();
    }
  };
}
