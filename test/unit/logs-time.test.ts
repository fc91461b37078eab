import { describe, expect, it } from 'vitest';
import { compareEngineTime, engineTime, parseDuration, parseEngineTime, parseRfc3339, parseTimeArg } from '../../src/logs/time.js';
import { parseTail } from '../../src/cli/commands/logs.js';
import { parseTimeFlag } from '../../src/cli/flags.js';
import { UsageError } from '../../src/errors.js';

const S = 1_000_000_000n;
const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 0); // 2024-05-01T12:00:00Z
const NOW = BigInt(NOW_MS) * 1_000_000n;

describe('parseDuration (Go syntax)', () => {
  it.each([
    ['10m', 600n * S],
    ['1h30m', 5400n * S],
    ['90s', 90n * S],
    ['1.5h', 5400n * S],
    ['250ms', 250_000_000n],
    ['2h45m10s', (2n * 3600n + 45n * 60n + 10n) * S],
    ['1us', 1000n],
    ['3ns', 3n],
    ['0', 0n],
  ])('%s', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });

  it.each(['', 'm', '10', '10x', '1h 30m', '-5m', 'h1', '10mm'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseTimeArg (--since/--until)', () => {
  it('relative durations count back from now', () => {
    expect(parseTimeArg('10m', NOW_MS)).toBe(NOW - 600n * S);
    expect(parseTimeArg('1h30m', NOW_MS)).toBe(NOW - 5400n * S);
  });

  it('RFC 3339 with Z, an offset, a fraction', () => {
    expect(parseTimeArg('2024-05-01T10:00:00Z', NOW_MS)).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n);
    expect(parseTimeArg('2024-05-01T12:00:00+02:00', NOW_MS)).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n);
    expect(parseTimeArg('2024-05-01T10:00:00.123456789Z', NOW_MS)).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n + 123_456_789n);
    expect(parseTimeArg('2024-05-01T10:00:00.5-01:30', NOW_MS)).toBe(BigInt(Date.UTC(2024, 4, 1, 11, 30)) * 1_000_000n + 500_000_000n);
  });

  it('without a zone: local time, as docker reads it', () => {
    expect(parseTimeArg('2024-05-01T10:00:00', NOW_MS)).toBe(BigInt(new Date(2024, 4, 1, 10).getTime()) * 1_000_000n);
    expect(parseTimeArg('2024-05-01', NOW_MS)).toBe(BigInt(new Date(2024, 4, 1).getTime()) * 1_000_000n);
  });

  it('Unix seconds, with a fraction', () => {
    expect(parseTimeArg('1714557600', NOW_MS)).toBe(1714557600n * S);
    expect(parseTimeArg('1714557600.25', NOW_MS)).toBe(1714557600n * S + 250_000_000n);
  });

  it.each(['yesterday', '2024-13-01', '2024-05-01T25:00:00Z', '10 minutes', ''])('rejects %j', (text) => {
    expect(parseTimeArg(text, NOW_MS)).toBeUndefined();
  });

  it('the CLI turns a bad value into a usage error naming the flag', () => {
    expect(() => parseTimeFlag('--since', 'soon', NOW_MS)).toThrow(UsageError);
    expect(() => parseTimeFlag('--until', 'soon', NOW_MS)).toThrow(/--until "soon"/);
    expect(parseTimeFlag('--since', undefined)).toBeUndefined();
  });
});

describe('--tail', () => {
  it('a number or all', () => {
    expect(parseTail('all')).toBe('all');
    expect(parseTail('0')).toBe(0);
    expect(parseTail('25')).toBe(25);
    expect(() => parseTail('-3')).toThrow(UsageError);
    expect(() => parseTail('ten')).toThrow(UsageError);
  });
});

describe('engine stamps', () => {
  it('parse with nanoseconds, UTC or with an offset', () => {
    expect(parseEngineTime('2024-05-01T10:00:00.000000001Z')).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n + 1n);
    expect(parseEngineTime('2024-05-01T12:00:00.000000001+02:00')).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n + 1n);
    expect(parseEngineTime('not a time')).toBeUndefined();
  });

  it('the engine query form: seconds.nanoseconds, round trip', () => {
    const t = parseEngineTime('2024-05-01T10:00:00.012345678Z')!;
    expect(engineTime(t)).toBe(`${Date.UTC(2024, 4, 1, 10) / 1000}.012345678`);
    expect(parseTimeArg(engineTime(t))).toBe(t);
  });

  it('compare: as strings when alike, parsed otherwise', () => {
    expect(compareEngineTime('2024-05-01T10:00:00.000000001Z', '2024-05-01T10:00:00.000000002Z')).toBe(-1);
    expect(compareEngineTime('2024-05-01T10:00:00.000000002Z', '2024-05-01T10:00:00.000000002Z')).toBe(0);
    expect(compareEngineTime('2024-05-01T12:00:00.000000003+02:00', '2024-05-01T10:00:00.000000002Z')).toBe(1);
  });
});

describe('parseRfc3339', () => {
  it('accepts a space for T and a lower-case z', () => {
    expect(parseRfc3339('2024-05-01 10:00:00z')).toBe(BigInt(Date.UTC(2024, 4, 1, 10)) * 1_000_000n);
  });
});
