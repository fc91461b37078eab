/**
 * The error predicates callers use instead of HTTP status numbers.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import {
  EngineUnreachableError,
  engineStatus,
  isConflict,
  isEngineGone,
  isNotFound,
  isNotModified,
  isPermanentFailure,
  isStaleTaskMessage,
  mapEngineError,
  namingCall,
} from '../../src/engine/errors.js';

/** docker-modem's error for an HTTP status. */
function modemError(status: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${status}) ${message} - ${message}`), { statusCode: status, json: { message } });
}

describe('engine error predicates', () => {
  it('read the status of mapped and unmapped errors alike', () => {
    const mapped = mapEngineError(modemError(404, 'No such container: web-1'), 'unix:///var/run/docker.sock');
    expect(mapped).toBeInstanceOf(EngineError);
    expect(engineStatus(mapped)).toBe(404);
    expect(isNotFound(mapped)).toBe(true);
    expect(isNotFound(modemError(404, 'no such image'))).toBe(true);
    expect(isConflict(new EngineError('conflict: name in use', 409))).toBe(true);
    expect(isNotModified(modemError(304, 'container already started'))).toBe(true);
  });

  it('say no for other statuses and for what is no engine answer', () => {
    for (const err of [new EngineError('boom', 500), new EngineError('no status'), new EngineUnreachableError('unix:///x', 'no socket', 'ENOENT'), new Error('plain'), 'text', null, undefined, 404]) {
      expect(isNotFound(err)).toBe(false);
      expect(isConflict(err)).toBe(false);
      expect(isNotModified(err)).toBe(false);
    }
    expect(isNotFound(new EngineError('conflict', 409))).toBe(false);
    expect(isConflict(new EngineError('missing', 404))).toBe(false);
  });

  it('a 4xx or 501 is permanent; 500, 503 and transport failures are not', () => {
    expect(isPermanentFailure(new EngineError('bad parameter', 400))).toBe(true);
    expect(isPermanentFailure(new EngineError('not readable', 501))).toBe(true);
    expect(isPermanentFailure(new EngineError('gone', 404))).toBe(true);
    expect(isPermanentFailure(new EngineError('daemon error', 500))).toBe(false);
    expect(isPermanentFailure(new EngineError('unavailable', 503))).toBe(false);
    expect(isPermanentFailure(new EngineUnreachableError('unix:///x', 'refused', 'ECONNREFUSED'))).toBe(false);
  });
});

describe('the engine going away, and stale tasks (issue 15, item 2)', () => {
  it('isEngineGone: unreachable, and the shutdown answers of dockerd 20.10; not an ordinary refusal', () => {
    const gone = [
      'transport is closing: unavailable',
      'grpc: the client connection is closing: context canceled',
      'create 0123abcd: database not open',
      'failed to update store for object type *libnetwork.endpoint: open : no such file or directory',
      'failed to update the store state of sandbox: failed to update store for object type *libnetwork.sbState: open : no such file or directory',
    ];
    expect(gone.map((m) => isEngineGone(new EngineError(m, 500)))).toEqual(gone.map(() => true));
    expect(isEngineGone(new EngineUnreachableError('unix:///x.sock', 'socket hang up'))).toBe(true);
    expect(isEngineGone(new EngineError('conflict: the name is in use', 409))).toBe(false);
    expect(isEngineGone(new Error('transport is closing'))).toBe(false);
  });

  it('isStaleTaskMessage: task <id>: already exists and id already in use', () => {
    expect(isStaleTaskMessage('task 92d2ef82687691059440734fc388d4792bb97b1257e46299794e0b7c43b2e7d7: already exists')).toBe(true);
    // The shim's directory left behind by the restart (seen in CI on the fault engine).
    expect(
      isStaleTaskMessage(
        'failed to start shim: mkdir /run/tsfig-fault/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/dd92499d2a1f7b3f754697daa88e94ff80f1d7244961d0c5de88c2f75fcbe3e6: file exists: unknown',
      ),
    ).toBe(true);
    expect(isStaleTaskMessage('failed to start shim: exec: "containerd-shim-runc-v2": executable file not found in $PATH: unknown')).toBe(false);
    expect(isStaleTaskMessage('id already in use')).toBe(true);
    expect(isStaleTaskMessage('conflict: container name already exists')).toBe(false);
    expect(isStaleTaskMessage('')).toBe(false);
  });
});

describe('namingCall: a failure says which call it broke', () => {
  it('an engine error and a connection cut mid-call get the call; a never-connected engine, an abort and other errors are unchanged', () => {
    expect((namingCall(new EngineError('boom', 500), 'list containers') as Error).message).toBe('list containers: boom');
    expect((namingCall(new EngineError('boom', 500), 'list containers') as EngineError).statusCode).toBe(500);
    const cut = namingCall(new EngineUnreachableError('unix:///x.sock', 'aborted', 'ECONNRESET'), 'list networks') as Error;
    expect([cut instanceof EngineUnreachableError, cut.message]).toEqual([true, 'cannot reach the Docker engine at unix:///x.sock: list networks: aborted']);
    const never = new EngineUnreachableError('unix:///x.sock', 'connect ENOENT /x.sock', 'ENOENT');
    expect(namingCall(never, 'version')).toBe(never);
    // An ssh host key not known, a TLS certificate refused: never connected either (no call to name).
    const hostKey = new EngineUnreachableError('ssh://root@h', 'ssh: the host key of h is not known', 'ERR_SSH_HOST_KEY');
    expect(namingCall(hostKey, 'version')).toBe(hostKey);
    const cert = new EngineUnreachableError('tcp://h:2376', 'self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(namingCall(cert, 'version')).toBe(cert);
    const other = new Error('not the engine');
    expect(namingCall(other, 'version')).toBe(other);
  });
});
