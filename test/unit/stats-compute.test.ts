/**
 * The numbers and text of `tsfig stats`, from real samples of the engine:
 * - stats-cgroup-v1-mem.json, stats-cgroup-v1-busy.json: captured on this project's engine
 *   (Docker 20.10, cgroup v1) with `curl --unix-socket /var/run/docker.sock
 *   'http://x/containers/ID/stats?stream=false'`: a busybox holding 8 MB in a shell variable
 *   under `-m 64m`, and a busy loop.
 * - stats-cgroup-v2.json: a cgroup v2 sample written from the Engine API reference
 *   (ContainerStatsResponse: v2 `memory.stat` keys, no `percpu_usage`, lowercase blkio ops).
 * Expected values are worked out by hand from the JSON, as the docker CLI computes them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ContainerStats } from '../../src/engine/engine.js';
import {
  blockIO,
  bytesSize,
  cpuPercent,
  formatPercent,
  goFixed,
  goG,
  hasPreviousReading,
  humanSize,
  memUsageNoCache,
  networkIO,
  statsCells,
  statsEntry,
  statsJsonLine,
  statsTable,
  streamFrame,
  withPreviousReading,
  ZERO_ENTRY,
} from '../../src/stats/compute.js';

const here = dirname(fileURLToPath(import.meta.url));
const sample = (name: string): ContainerStats => JSON.parse(readFileSync(join(here, 'testdata', name), 'utf8')) as ContainerStats;

const v1mem = sample('stats-cgroup-v1-mem.json');
const v1busy = sample('stats-cgroup-v1-busy.json');
const v2 = sample('stats-cgroup-v2.json');

describe('computations (docker CLI stats_helpers)', () => {
  it('cgroup v1, memory-limited container: usage minus total_inactive_file, limit from the cgroup', () => {
    // 10117120 - 114688 (total_inactive_file; `inactive_file` is the same here, `cache` is not used)
    expect(memUsageNoCache(v1mem.memory_stats)).toBe(10002432);
    const e = statsEntry(v1mem);
    expect(e.memoryLimit).toBe(64 * 1024 * 1024);
    expect(e.memoryPercent).toBeCloseTo((10002432 / 67108864) * 100, 10);
    // (74092545 - 71393971) / (23733700000000 - 23731710000000) * 2 CPUs * 100
    expect(e.cpuPercent).toBeCloseTo((2698574 / 1990000000) * 2 * 100, 10);
    expect([e.netRx, e.netTx, e.blockRead, e.blockWrite, e.pids]).toEqual([736, 0, 1167360, 0, 2]);
    expect(statsCells(e)).toEqual({ cpu: '0.27%', mem: '9.539MiB / 64MiB', memPerc: '14.90%', net: '736B / 0B', block: '1.17MB / 0B', pids: '2' });
  });

  it('cgroup v1, busy loop: one core of two busy is ~100 %, no limit is the host memory', () => {
    const e = statsEntry(v1busy);
    expect(e.cpuPercent).toBeCloseTo((955153765 / 1960000000) * 2 * 100, 10);
    expect(statsCells(e)).toEqual({ cpu: '97.46%', mem: '324KiB / 23.54GiB', memPerc: '0.00%', net: '1.25kB / 0B', block: '0B / 0B', pids: '1' });
  });

  it('cgroup v2: usage minus inactive_file, lowercase blkio ops, interfaces summed, online_cpus', () => {
    const e = statsEntry(v2);
    expect(e.memory).toBe(52101120 - 10334208);
    expect(networkIO(v2.networks)).toEqual({ rx: 1468347 + 5338, tx: 85232 + 648 });
    expect(blockIO(v2.blkio_stats)).toEqual({ read: 4214784 + 28672, write: 1048576 });
    expect(e.cpuPercent).toBeCloseTo((210800000 / 4010000000) * 4 * 100, 10);
    expect(statsCells(e)).toEqual({ cpu: '21.03%', mem: '39.83MiB / 256MiB', memPerc: '15.56%', net: '1.47MB / 85.9kB', block: '4.24MB / 1.05MB', pids: '12' });
  });

  it('online_cpus missing: the length of percpu_usage', () => {
    const cur = { ...v1mem.cpu_stats };
    delete cur.online_cpus;
    expect(cpuPercent(v1mem.precpu_stats, cur)).toBeCloseTo((2698574 / 1990000000) * 2 * 100, 10);
  });

  it('no previous reading (one-shot, first sample of a stream): 0 %, and said so', () => {
    const first: ContainerStats = { ...v1busy, precpu_stats: { cpu_usage: { total_usage: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } } };
    expect(hasPreviousReading(first)).toBe(false);
    expect(hasPreviousReading(v1busy)).toBe(true);
    // The CLI's formula still runs (0 - nothing): only the caller knows to skip such a sample.
    expect(cpuPercent(v1busy.cpu_stats, v1busy.cpu_stats)).toBe(0);
  });

  it('a one-shot sample taken earlier can stand in as the previous reading, if far enough back', () => {
    const first: ContainerStats = { ...v1busy, precpu_stats: {}, preread: '0001-01-01T00:00:00Z' };
    const earlier: ContainerStats = { ...v1busy, read: '2026-11-29T09:13:20.000000000Z', cpu_stats: v1busy.precpu_stats! };
    const later = { ...first, read: '2026-11-29T09:13:21.000000000Z' };
    const combined = withPreviousReading(later, earlier)!;
    expect(combined.precpu_stats).toBe(v1busy.precpu_stats);
    expect(statsEntry(combined).cpuPercent).toBeCloseTo(statsEntry(v1busy).cpuPercent, 10);
    // Too close together, the wrong order, or no reading at all (the engine's zero time): no.
    expect(withPreviousReading({ ...first, read: '2026-11-29T09:13:20.100000000Z' }, earlier)).toBeUndefined();
    expect(withPreviousReading(earlier, later)).toBeUndefined();
    expect(withPreviousReading(later, { ...earlier, read: '0001-01-01T00:00:00Z' })).toBeUndefined();
  });

  it('memory fall-through as the CLI: v1 key not smaller than usage -> v2 key -> usage', () => {
    expect(memUsageNoCache({ usage: 100, stats: { total_inactive_file: 200, inactive_file: 30 } })).toBe(70);
    expect(memUsageNoCache({ usage: 100, stats: { inactive_file: 100 } })).toBe(100);
    expect(memUsageNoCache({ usage: 100, stats: { cache: 60 } })).toBe(100);
    expect(memUsageNoCache(undefined)).toBe(0);
  });

  it('a stopped container\'s sample (as the engine answers it) is all zeros', () => {
    const stopped: ContainerStats = {
      read: '0001-01-01T00:00:00Z',
      preread: '0001-01-01T00:00:00Z',
      pids_stats: {},
      blkio_stats: { io_service_bytes_recursive: null },
      cpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 } },
      precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 } },
      memory_stats: {},
      name: '/x',
      id: 'da834b8a37c8',
    };
    expect(statsEntry(stopped)).toEqual(ZERO_ENTRY);
    expect(statsCells(ZERO_ENTRY)).toEqual({ cpu: '0.00%', mem: '0B / 0B', memPerc: '0.00%', net: '0B / 0B', block: '0B / 0B', pids: '0' });
  });
});

describe('Go number formatting (go-units, strconv)', () => {
  it('%g with a precision: trailing zeros dropped, exponent past the precision', () => {
    expect(goG(64, 4)).toBe('64');
    expect(goG(9.5390625, 4)).toBe('9.539');
    expect(goG(100, 4)).toBe('100');
    expect(goG(0, 4)).toBe('0');
    expect(goG(1023.96, 4)).toBe('1024');
    expect(goG(999.7, 3)).toBe('1e+03');
    expect(goG(0.000012345, 3)).toBe('1.23e-05');
    // Exact ties round half to even, as Go does (JS's toPrecision rounds them up).
    expect(goG(2.5, 1)).toBe('2');
    expect(goG(1000.5, 4)).toBe('1000');
    expect(goG(1001.5, 4)).toBe('1002');
  });

  it('%.2f: exact decimal value, ties to even', () => {
    expect(goFixed(0.125, 2)).toBe('0.12');
    expect(goFixed(0.375, 2)).toBe('0.38');
    expect(goFixed(12.345, 2)).toBe('12.35'); // 12.3450000000000006394...
    expect(goFixed(1.005, 2)).toBe('1.00'); // 1.00499999999999989...
    expect(goFixed(0.004, 2)).toBe('0.00');
    expect(goFixed(0.006, 2)).toBe('0.01');
    expect(goFixed(99.999, 2)).toBe('100.00');
    expect(formatPercent(0)).toBe('0.00%');
  });

  it('sizes: binary for memory, decimal with 3 digits for I/O', () => {
    expect(bytesSize(0)).toBe('0B');
    expect(bytesSize(1023)).toBe('1023B');
    expect(bytesSize(1024)).toBe('1KiB');
    expect(bytesSize(1.2 * 1024 * 1024)).toBe('1.2MiB');
    expect(bytesSize(64 * 1024 * 1024)).toBe('64MiB');
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(1050)).toBe('1.05kB');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(999_600)).toBe('1e+03kB');
    expect(humanSize(1_000_000)).toBe('1MB');
  });
});

describe('output', () => {
  const rows = [
    { id: 'b3e4f1c6a2d94b0f8e7c5a3d2b1f0e9d', name: 'p-web-1', service: 'web', host: 'default', entry: statsEntry(v2) },
    { id: '414b807669f0475e9c54dc0034630a76', name: 'p-db-1', service: 'db', host: 'edge', entry: statsEntry(v1mem) },
    { id: 'da834b8a37c81155a246a6890ecb7a1a', name: 'p-job-1', service: 'job', host: 'default' },
  ];

  it('a table as docker stats, IDs cut to 12, -- without a sample', () => {
    expect(statsTable(rows)).toBe(
      'CONTAINER ID   NAME      CPU %    MEM USAGE / LIMIT   MEM %    NET I/O           BLOCK I/O         PIDS\n' +
        'b3e4f1c6a2d9   p-web-1   21.03%   39.83MiB / 256MiB   15.56%   1.47MB / 85.9kB   4.24MB / 1.05MB   12\n' +
        '414b807669f0   p-db-1    0.27%    9.539MiB / 64MiB    14.90%   736B / 0B         1.17MB / 0B       2\n' +
        'da834b8a37c8   p-job-1   --       -- / --             --       --                --                --\n',
    );
  });

  it('a HOST column for several hosts; --no-trunc keeps the whole ID; colour only when asked', () => {
    const t = statsTable(rows.slice(0, 2), { multiHost: true, noTrunc: true });
    expect(t.split('\n')[0]).toMatch(/^CONTAINER ID {23}HOST {6}NAME {6}CPU %/);
    expect(t).toContain('414b807669f0475e9c54dc0034630a76   edge      p-db-1 ');
    expect(t).not.toContain('\u001b');
    expect(statsTable(rows, { color: true })).toContain('\u001b[1m');
  });

  it('one JSON object per line: docker\'s strings, and the numbers', () => {
    const line = statsJsonLine(rows[1]!);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trim()).not.toContain('\n');
    const o = JSON.parse(line) as Record<string, unknown>;
    expect(o).toMatchObject({
      ID: '414b807669f0',
      Name: 'p-db-1',
      Service: 'db',
      Host: 'edge',
      CPUPerc: '0.27%',
      MemUsage: '9.539MiB / 64MiB',
      MemPerc: '14.90%',
      NetIO: '736B / 0B',
      BlockIO: '1.17MB / 0B',
      PIDs: '2',
      Memory: 10002432,
      MemoryLimit: 67108864,
      PidsCurrent: 2,
    });
    expect(JSON.parse(statsJsonLine(rows[2]!))).toMatchObject({ CPUPerc: '--', CPUPercentage: null, Memory: null });
  });

  it('streaming: redraw in place on a terminal, plain blocks elsewhere', () => {
    const table = 'A   B\n1   2\n';
    expect(streamFrame(table, { tty: false, first: true })).toBe('A   B\n1   2\n\n');
    expect(streamFrame('{"a":1}\n', { tty: false, first: false, json: true })).toBe('{"a":1}\n');
    expect(streamFrame(table, { tty: true, first: true })).toBe('\u001b[2J\u001b[HA   B\u001b[K\n1   2\u001b[K\n\u001b[J');
    expect(streamFrame(table, { tty: true, first: false })).toBe('\u001b[HA   B\u001b[K\n1   2\u001b[K\n\u001b[J');
  });
});
