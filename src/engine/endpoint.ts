/**
 * What an endpoint is, as connect.ts resolves it: the kinds of endpoint, the TLS files and
 * their contents, the ssh settings of a `hosts:` entry and the ssh key material, a docker CLI
 * context. Types and constants only, imported by the rest of engine/ (no import cycle).
 */

export const DEFAULT_SOCKET = '/var/run/docker.sock';
export const DEFAULT_URL = `unix://${DEFAULT_SOCKET}`;

export type EndpointProtocol = 'unix' | 'tcp' | 'ssh' | 'npipe';

/** Paths of PEM files. */
export interface TlsPaths {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface Endpoint {
  /** Normalised URL, used in every message: `unix:///var/run/docker.sock`, `tcp://10.0.0.2:2376`. */
  url: string;
  protocol: EndpointProtocol;
  /** unix and npipe. */
  socketPath?: string;
  /** tcp and ssh (IPv6 without brackets). */
  host?: string;
  port?: number;
  /** ssh only. */
  username?: string;
  /** ssh only: the private key named by a `hosts:` entry (absolute path); it must be readable. */
  identity?: string;
  /** ssh only: the ssh agent's socket (SSH_AUTH_SOCK). */
  agent?: string;
  /** ssh only, without `identity`: key files tried in order, the first usable one is offered. */
  defaultIdentities?: string[];
  /** ssh only: the known_hosts file the server's key must be in (absolute path). */
  knownHosts?: string;
  /** ssh only: how messages name that file (`~/.ssh/known_hosts` under the home). */
  knownHostsLabel?: string;
  /** ssh only: the engine's socket on the far side (`ssh://host/run/docker.sock`), else its default. */
  remoteSocket?: string;
  /** ssh only: the OpenSSH client configuration to apply (`~/.ssh/config`), read by `connect`. */
  sshConfig?: string;
  /** ssh only: the port was written in the URL (it wins over the ssh configuration's Port). */
  portGiven?: boolean;
  /** TLS files (paths); present means the connection uses TLS. */
  tls?: TlsPaths;
  /** TLS: verify the engine's certificate. */
  verify: boolean;
  /** Plain tcp to a non-loopback address: anyone on the path can drive the engine. */
  insecure: boolean;
  /** Where the endpoint came from. */
  source: 'flag' | 'hosts' | 'env' | 'context' | 'default';
  /** The docker CLI context that named it (source `context`). */
  context?: string;
  /** How long a call (not a stream, a wait, a stop's grace period) may go unanswered (TSFIG_HTTP_TIMEOUT; default 60 s). */
  timeoutMs?: number;
}

/** The ssh settings of a `hosts:` entry (paths as written: relative ones resolve against the project). */
export interface SshSettings {
  identity?: string;
  known_hosts?: string;
}

/** PEM contents of an endpoint's TLS files. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** How an ssh endpoint authenticates: a private key, an agent, or both (ssh2 tries the key first). */
export interface SshAuth {
  privateKey?: Buffer;
  /** The private key's file, for messages. */
  keyFile?: string;
  agent?: string;
}

/** Where the context's name came from, for messages. */
export type ContextOrigin = '--context' | 'DOCKER_CONTEXT' | 'config.json';

export interface DockerContext {
  name: string;
  origin: ContextOrigin;
  /** The docker endpoint's `Host`. */
  host: string;
  /** TLS files present in the store (any of them means TLS). */
  tls?: TlsPaths;
  skipTLSVerify: boolean;
}
