/**
 * `-f -` with a standard input that never ends (/dev/zero) or is too big: the built binary
 * stops at the size limit with one line and exit 1, instead of reading without bound.
 * Needs `npm run build`. No engine call: the project never loads.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { binaryEnv, watchChild } from './support/binary.js';
import { BIN } from './support/stack.js';

describe('tsfig -f - (standard input)', () => {
  it('/dev/zero as stdin: refused at the limit, one line, in < 5 s', async () => {
    const fd = openSync('/dev/zero', 'r');
    try {
      const started = performance.now();
      const child = watchChild(spawn(process.execPath, [BIN, '-f', '-', 'config', '-q'], { cwd: tmpdir(), env: binaryEnv(), stdio: [fd, 'pipe', 'pipe'] }));
      const done = await child.done;
      expect(performance.now() - started).toBeLessThan(5000);
      expect(done.code).toBe(1);
      const lines = done.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^project file <stdin> is more than the limit of \d+ bytes/);
    } finally {
      closeSync(fd);
    }
  });

  it('a small file on stdin still loads', async () => {
    const child = watchChild(spawn(process.execPath, [BIN, '-p', 'stdin', '-f', '-', 'config', '--services'], { cwd: tmpdir(), env: binaryEnv(), stdio: ['pipe', 'pipe', 'pipe'] }));
    child.proc.stdin!.end('services:\n  web:\n    image: busybox\n');
    const done = await child.done;
    expect(done.code).toBe(0);
    expect(done.stdout).toBe('web\n');
  });
});
