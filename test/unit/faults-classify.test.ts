/**
 * The fault campaign tells one engine case apart from tsfig's (test/support/faults/stack.ts,
 * isSetnsLost): after dockerd restarts with a start in flight, runc can no longer enter that
 * container. Only that failure, with exit 126, is the engine's; every other failed exec stays a
 * violation. The texts are dockerd's own (docs/RELIABILITY.md quotes the first).
 */
import { describe, expect, it } from 'vitest';
import { isSetnsLost } from '../support/faults/stack.js';

const SETNS = 'OCI runtime exec failed: exec failed: unable to start container process: error starting setns process: fork/exec /proc/self/exe: no such file or directory: unknown\r\n';
const MISSING = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/nonexistent": stat /nonexistent: no such file or directory: unknown\r\n';

describe('isSetnsLost', () => {
  it('is the engine case: exit 126 and runc failing to start its setns helper, as output or as stderr', () => {
    expect(isSetnsLost({ exitCode: 126, stdout: SETNS, stderr: '' })).toBe(true);
    expect(isSetnsLost({ exitCode: 126, stdout: '', stderr: SETNS })).toBe(true);
  });

  it('is not: another refusal by the runtime, another exit code, a command that ran, or nothing read', () => {
    expect(isSetnsLost({ exitCode: 126, stdout: MISSING, stderr: '' })).toBe(false);
    expect(isSetnsLost({ exitCode: 1, stdout: SETNS, stderr: '' })).toBe(false);
    expect(isSetnsLost({ exitCode: 0, stdout: 'keep-1\n\n1\n', stderr: '' })).toBe(false);
    expect(isSetnsLost({ exitCode: 126, stdout: '', stderr: '' })).toBe(false);
    // The words inside a program's own output are not the runtime's refusal.
    expect(isSetnsLost({ exitCode: 126, stdout: `marker: ${SETNS}`, stderr: '' })).toBe(false);
  });
});
