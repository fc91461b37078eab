/**
 * The error predicates callers use instead of HTTP status numbers.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.js';
import {
  EngineUnreachableError,
  engineStatus,
  isConflict,
  isNotFound,
  isNotModified,
  isPermanentFailure,
  mapEngineError,
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
