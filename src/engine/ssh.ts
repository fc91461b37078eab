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
 * and is closed after a while. dockerode is given plain `http` with this agent.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import { createRequire } from 'node:module';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** What the ssh connection needs. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey?: Buffer;
  /** ssh agent socket. */
  agent?: string;
  /** ms to wait for the key exchange and authentication. */
  readyTimeout?: number;
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

interface Conn {
  client: Ssh2Client;
  sock: Socket;
  ready: Promise<void>;
  channels: number;
  dead: boolean;
  idle?: NodeJS.Timeout;
}

function loadSsh2(): Ssh2 {
  // ssh2 comes with dockerode (docker-modem); loaded only for ssh endpoints.
  return createRequire(import.meta.url)('ssh2') as Ssh2;
}

export class SshDialAgent extends Agent {
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
    const { Client } = loadSsh2();
    const client = new Client();
    const sock = netConnect({ host: this.target.host, port: this.target.port });
    const conn: Conn = { client, sock, ready: Promise.resolve(), channels: 0, dead: false };
    conn.ready = new Promise<void>((resolve, reject) => {
      client.on('ready', resolve);
      client.on('error', (err) => {
        conn.dead = true;
        reject(err);
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
    client.connect({
      sock,
      host: this.target.host,
      port: this.target.port,
      username: this.target.username,
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
        conn.client.exec(DIAL, (err, stream) => {
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
}
