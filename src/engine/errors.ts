/**
 * Engine failures as tsfig errors: one line, no stack, the engine's own message.
 */
import { EngineError, TsfigError } from '../errors.js';

const NOT_MODIFIED = 304;
const NOT_FOUND = 404;
const CONFLICT = 409;
const NOT_IMPLEMENTED = 501;

/** What to check, for the failures where the cause is usually on this side. */
const UNREACHABLE_HINTS: Record<string, string> = {
  ENOENT: 'is dockerd running? Check DOCKER_HOST or -H',
  ECONNREFUSED: 'is dockerd running and listening there? Check DOCKER_HOST or -H',
  ETIMEDOUT: 'is dockerd running and healthy? Check DOCKER_HOST or -H',
  EACCES: 'permission denied: is your user in the docker group?',
};

/** The engine could not be reached at all (no socket, refused, TLS or ssh failure, ...). */
export class EngineUnreachableError extends EngineError {
  readonly endpoint: string;
  /** The system error code (`ENOENT`, `ECONNREFUSED`, ...) when there is one. */
  readonly code: string | undefined;
  constructor(endpoint: string, reason: string, code?: string) {
    const hint = code !== undefined ? UNREACHABLE_HINTS[code] : undefined;
    super(`cannot reach the Docker engine at ${endpoint}: ${reason}${hint !== undefined ? `: ${hint}` : ''}`);
    this.name = 'EngineUnreachableError';
    this.endpoint = endpoint;
    this.code = code;
  }
}

/** What the failing call was about, for messages when the engine gives none. */
export interface ErrorContext {
  kind?: 'container' | 'network' | 'volume' | 'image' | 'exec';
  id?: string;
  /** `start`, `create`, ... */
  action?: string;
}

interface ModemError {
  message?: unknown;
  statusCode?: unknown;
  json?: unknown;
  code?: unknown;
  name?: unknown;
  level?: unknown;
  /** OpenSSL errors: the reason alone (`sslv3 alert bad certificate`). */
  reason?: unknown;
}

/** Collapse whitespace so the message is one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `No such container: x` -> `no such container: x`; `OCI runtime ...` stays. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** The engine's own message of an HTTP error from docker-modem. */
export function engineMessage(err: ModemError): string | undefined {
  const json = err.json;
  if (json !== null && typeof json === 'object' && 'message' in json) {
    const m = (json as { message: unknown }).message;
    if (typeof m === 'string' && m.trim() !== '') return m;
  }
  if (typeof json === 'string' && json.trim() !== '') return json;
  if (Buffer.isBuffer(json) && json.length > 0) {
    const text = json.toString('utf8');
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
        return (parsed as { message: string }).message;
      }
    } catch {
      // not JSON
    }
    return text;
  }
  // docker-modem's message: "(HTTP code 404) no such container - No such container: x "
  if (typeof err.message === 'string') {
    const m = /^\(HTTP code \d+\) .*? - ([\s\S]*)$/.exec(err.message);
    if (m?.[1] !== undefined && m[1].trim() !== '' && m[1].trim() !== '[object Object]') return m[1];
  }
  return undefined;
}

const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTSOCK',
  'EADDRNOTAVAIL',
  'EPROTO',
]);

function isTransportError(err: ModemError): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  if (TRANSPORT_CODES.has(code)) return true;
  // TLS verification failures (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, ...).
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return true;
  // The ssh server's host key was refused (ssh.ts): its message says why and what to do.
  if (code === 'ERR_SSH_HOST_KEY') return true;
  // ssh2 client errors carry a `level` (client-socket, client-authentication, ...).
  if (typeof err.level === 'string' && err.level.startsWith('client')) return true;
  return err.message === 'socket hang up';
}

/** The server certificate did not chain up to the CA tsfig was given (Node's verify codes). */
const UNTRUSTED_SERVER_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * TLS failures in words: Node's verify message says nothing about which side failed, and
 * OpenSSL's alerts come as `80CC...:error:0A000412:SSL routines:...:SSL alert number 42`.
 */
function tlsMessage(err: ModemError, message: string): string | undefined {
  const code = typeof err.code === 'string' ? err.code : '';
  if (UNTRUSTED_SERVER_CERT.has(code)) return `TLS: the engine's certificate is not signed by the CA given (${message})`;
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(code);
  if (alert === null) return undefined;
  const reason = typeof err.reason === 'string' && err.reason !== '' ? err.reason : alert[1]!.toLowerCase().replace(/_/g, ' ');
  if (/BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|DECRYPT_ERROR/.test(alert[1]!)) {
    return `TLS: the engine refused the client certificate (${reason}): it needs one signed by a CA the engine trusts`;
  }
  return `TLS: ${reason}`;
}

function fallbackMessage(status: number, ctx: ErrorContext): string {
  const what = ctx.kind !== undefined ? `${ctx.kind}${ctx.id !== undefined ? ` ${ctx.id}` : ''}` : 'request';
  if (status === NOT_FOUND) return ctx.kind !== undefined ? `no such ${what}` : 'not found';
  if (status === CONFLICT) return `${what}: conflict`;
  return `${ctx.action !== undefined ? `${ctx.action} ${what}` : what} failed (HTTP ${status})`;
}

/**
 * Map anything dockerode / docker-modem throws to a TsfigError. AbortErrors are returned
 * unchanged (cancellation is not a failure of the engine), as are TsfigErrors.
 */
export function mapEngineError(err: unknown, endpoint: string, ctx: ErrorContext = {}): unknown {
  if (err instanceof TsfigError) return err;
  if (err === null || typeof err !== 'object') return new EngineError(`Docker engine at ${endpoint}: ${oneLine(String(err))}`);
  const e = err as ModemError;
  if (e.name === 'AbortError') return err;
  if (typeof e.statusCode === 'number') {
    const status = e.statusCode;
    let msg = engineMessage(e);
    msg = msg !== undefined ? lowerFirst(oneLine(msg)) : fallbackMessage(status, ctx);
    if (status === CONFLICT && !/^conflict\b/i.test(msg)) msg = `conflict: ${msg}`;
    msg = msg.replace(/^Conflict\. /, 'conflict: ').replace(/^conflict\. /, 'conflict: ');
    return new EngineError(msg, status);
  }
  const message = typeof e.message === 'string' ? oneLine(e.message) : oneLine(String(err));
  if (isTransportError(e)) {
    // Node says `aborted` when the connection closed in the middle of an answer.
    const said = message === 'aborted' ? 'the connection closed in the middle of the answer' : message;
    const reason = tlsMessage(e, message) ?? (e.level === 'client-authentication' ? `ssh: the server refused the key (${message})` : said);
    return new EngineUnreachableError(endpoint, reason, typeof e.code === 'string' ? e.code : undefined);
  }
  return new EngineError(`Docker engine at ${endpoint}: ${message}`);
}

/** true when the error is an AbortError (the call was cancelled). */
export function isAbortError(err: unknown): boolean {
  return err !== null && typeof err === 'object' && (err as { name?: unknown }).name === 'AbortError';
}

// ---------------------------------------------------------------- predicates

/**
 * The engine's HTTP status of a failed call: an `EngineError`'s `statusCode`, or docker-modem's
 * own error before it is mapped (inside engine/). undefined for anything else (unreachable,
 * aborted, not an engine failure).
 */
export function engineStatus(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine answered 304: the container was already started (start) or stopped (stop). */
export function isNotModified(err: unknown): boolean {
  return engineStatus(err) === NOT_MODIFIED;
}

/** The engine answered 404: no such container, image, network, volume, exec or path. */
export function isNotFound(err: unknown): boolean {
  return engineStatus(err) === NOT_FOUND;
}

/** The engine answered 409: the name is taken, the container is running or being removed, ... */
export function isConflict(err: unknown): boolean {
  return engineStatus(err) === CONFLICT;
}

/**
 * The engine refused the request itself (a 4xx) or cannot do it at all (501 Not Implemented,
 * e.g. logs of a container whose logging driver cannot be read): asking again will not help.
 */
export function isPermanentFailure(err: unknown): boolean {
  const status = engineStatus(err);
  return status !== undefined && ((status >= 400 && status < 500) || status === NOT_IMPLEMENTED);
}

/**
 * What dockerd and containerd answer while the engine shuts down or restarts under a call
 * (seen on dockerd 20.10 stopped and started during an `up`): the gRPC link to containerd
 * closing, libnetwork's and the volume store's databases closed.
 */
const ENGINE_SHUTDOWN = /transport is closing|database not open|client connection is closing|failed to update (?:the )?store|error reading from server: EOF|connection error: desc = "transport|containerd\.sock: connect: (?:connection refused|no such file)/;

/**
 * The engine went away under a call: it cannot be reached any more (refused, reset, no socket)
 * or it answered with one of its shutdown errors. A run that sees this stops sending calls to
 * that engine and says so once.
 */
export function isEngineGone(err: unknown): boolean {
  if (err instanceof EngineUnreachableError) return true;
  if (!(err instanceof EngineError)) return false;
  return ENGINE_SHUTDOWN.test(err.message);
}

/** A connection reset or cut short under a call: the engine may have gone, or only that connection. */
export function isDroppedConnection(err: unknown): boolean {
  return err instanceof EngineUnreachableError && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

/**
 * The engine's message when it cannot start a container because its runtime (containerd) still
 * holds a task or container of that ID, left by an engine restarted while the container was
 * being started (`task <id>: already exists`, `id already in use`, or its shim's directory left
 * behind: `failed to start shim: mkdir .../io.containerd.runtime.v2.task/moby/<id>: file exists`).
 * Only a new container (a new ID) gets past it.
 */
export function isStaleTaskMessage(message: string): boolean {
  return /\btask [0-9a-f]{12,64}: already exists\b|(?:^|: )id already in use$|failed to start shim: mkdir \S*\/io\.containerd\.runtime\.v2\.task\/moby\/[0-9a-f]{64}: file exists\b/.test(message);
}

/** Codes of a connection that never got through: the call does not matter, the endpoint does. */
const NEVER_CONNECTED = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/** A connection that was never set up: refused, unknown ssh host key, a TLS certificate refused. */
function neverConnected(code: string): boolean {
  return NEVER_CONNECTED.has(code) || code.startsWith('ERR_SSH_') || code.startsWith('ERR_TLS_') || /CERT|SIGNATURE|SELF_SIGNED/.test(code);
}

/**
 * The error of a call, with the call named (`list containers`): an engine's 500 or a connection
 * cut in the middle of an answer says which call it broke. An engine that could not be reached
 * at all, an abort and anything not from the engine are returned unchanged.
 */
export function namingCall(err: unknown, call: string): unknown {
  if (err instanceof EngineUnreachableError) {
    if (err.code !== undefined && neverConnected(err.code)) return err;
    const reason = err.message.replace(/^cannot reach the Docker engine at \S+: /, '');
    return new EngineUnreachableError(err.endpoint, `${call}: ${reason}`, err.code);
  }
  if (err instanceof EngineError && !isAbortError(err)) return new EngineError(`${call}: ${err.message}`, err.statusCode);
  return err;
}
