import { describe, expect, it } from 'vitest';

import {
  formatDuration,
  normalizePortLong,
  normalizeVolumeLong,
  parseBytes,
  parseCommand,
  parseDependsOn,
  parseDuration,
  parseEnvironment,
  parseExtraHosts,
  parseHealthcheck,
  parseLabels,
  parseLink,
  parsePorts,
  parseSysctls,
  parseUlimits,
  parseVolume,
  toStringList,
  type Parsed,
} from '../../src/config/shortsyntax.js';

function value<T>(p: Parsed<T>): T {
  if (!p.ok) throw new Error(`expected a value, got error: ${p.error}`);
  return p.value;
}

/** Asserts a failure whose message matches `pattern`; every failure is one line. */
function expectError<T>(p: Parsed<T>, pattern: RegExp): void {
  expect(p.ok, `expected an error, got ${JSON.stringify(p)}`).toBe(false);
  if (!p.ok) {
    expect(p.error).toMatch(pattern);
    expect(p.error).not.toContain('\n');
  }
}

const tcp = { protocol: 'tcp', mode: 'ingress' } as const;

describe('parsePorts', () => {
  const good: Array<[string | number, unknown[]]> = [
    [80, [{ target: 80, ...tcp }]],
    ['80', [{ target: 80, ...tcp }]],
    ['80/udp', [{ target: 80, protocol: 'udp', mode: 'ingress' }]],
    ['80/UDP', [{ target: 80, protocol: 'udp', mode: 'ingress' }]],
    ['80/sctp', [{ target: 80, protocol: 'sctp', mode: 'ingress' }]],
    ['80/', [{ target: 80, ...tcp }]],
    ['8080:80', [{ target: 80, published: '8080', ...tcp }]],
    ['8080:80/udp', [{ target: 80, published: '8080', protocol: 'udp', mode: 'ingress' }]],
    ['127.0.0.1:8080:80', [{ target: 80, published: '8080', host_ip: '127.0.0.1', ...tcp }]],
    ['127.0.0.1::80', [{ target: 80, host_ip: '127.0.0.1', ...tcp }]],
    ['[::1]:8080:80', [{ target: 80, published: '8080', host_ip: '::1', ...tcp }]],
    ['::1:8080:80', [{ target: 80, published: '8080', host_ip: '::1', ...tcp }]],
    ['[::1]::80', [{ target: 80, host_ip: '::1', ...tcp }]],
    ['0.0.0.0:053:53/udp', [{ target: 53, published: '53', host_ip: '0.0.0.0', protocol: 'udp', mode: 'ingress' }]],
    [
      '3000-3002',
      [
        { target: 3000, ...tcp },
        { target: 3001, ...tcp },
        { target: 3002, ...tcp },
      ],
    ],
    [
      '9090-9091:8080-8081',
      [
        { target: 8080, published: '9090', ...tcp },
        { target: 8081, published: '9091', ...tcp },
      ],
    ],
    [
      '127.0.0.1:5000-5001:5000-5001/udp',
      [
        { target: 5000, published: '5000', host_ip: '127.0.0.1', protocol: 'udp', mode: 'ingress' },
        { target: 5001, published: '5001', host_ip: '127.0.0.1', protocol: 'udp', mode: 'ingress' },
      ],
    ],
    ['8000-8010:80', [{ target: 80, published: '8000-8010', ...tcp }]],
    ['8000-8000:80', [{ target: 80, published: '8000', ...tcp }]],
    [
      '998-1001:998-1001',
      [
        { target: 998, published: '998', ...tcp },
        { target: 999, published: '999', ...tcp },
        { target: 1000, published: '1000', ...tcp },
        { target: 1001, published: '1001', ...tcp },
      ],
    ],
    ['65535:1', [{ target: 1, published: '65535', ...tcp }]],
  ];
  it.each(good)('%j', (spec, expected) => {
    expect(value(parsePorts(spec))).toEqual(expected);
  });

  const bad: Array<[string | number, RegExp]> = [
    ['99999:80', /port 99999 is out of range 1-65535/],
    ['80:99999', /port 99999 is out of range 1-65535/],
    [99999, /port 99999 is out of range 1-65535/],
    [0, /port 0 is out of range/],
    [80.5, /not a whole number/],
    ['0', /port 0 is out of range/],
    ['0:80', /port 0 is out of range/],
    ['abc', /container port "abc" is not a number/],
    ['abc:80', /host port "abc" is not a number/],
    ['8080:80/icmp', /protocol "icmp" is not tcp, udp or sctp/],
    ['8000-8010:9000-9005', /host ports 8000-8010 \(11\) do not match container ports 9000-9005 \(6\)/],
    ['80:8000-8010', /host ports 80 \(1\) do not match container ports 8000-8010 \(11\)/],
    ['8010-8000', /ends before it starts/],
    ['1-2-3', /is not START-END/],
    ['-80', /port is empty/],
    ['', /port is empty/],
    ['8080:', /no container port/],
    ['/udp', /no container port/],
    ['300.1.1.1:80:80', /host IP "300.1.1.1" is not an IP address/],
    ['localhost:8080:80', /host IP "localhost" is not an IP address/],
    ['[::1:8080:80', /host IP "\[::1" has an unclosed/],
    [' 80', /not a number/],
    ['+80', /not a number/],
  ];
  it.each(bad)('%j is an error', (spec, pattern) => {
    expectError(parsePorts(spec), pattern);
  });

  it('gives a hint for out-of-range ports', () => {
    const p = parsePorts('99999:80');
    expect(p).toEqual({ ok: false, error: 'port 99999 is out of range 1-65535', hint: 'use a port between 1 and 65535' });
  });
});

describe('normalizePortLong', () => {
  const good: Array<[Record<string, unknown>, unknown]> = [
    [{ target: 80 }, { target: 80, ...tcp }],
    [{ target: '80' }, { target: 80, ...tcp }],
    [{ target: 80, published: 8080 }, { target: 80, published: '8080', ...tcp }],
    [{ target: 80, published: '8080' }, { target: 80, published: '8080', ...tcp }],
    [{ target: 80, published: '8000-8010' }, { target: 80, published: '8000-8010', ...tcp }],
    [{ target: 80, published: '' }, { target: 80, ...tcp }],
    [
      { target: 53, published: 53, protocol: 'UDP', mode: 'host', host_ip: '127.0.0.1' },
      { target: 53, published: '53', protocol: 'udp', mode: 'host', host_ip: '127.0.0.1' },
    ],
    [{ target: 80, host_ip: '[::1]' }, { target: 80, host_ip: '::1', ...tcp }],
    [
      { target: 80, name: 'web', app_protocol: 'http', 'x-note': 1 },
      { target: 80, name: 'web', app_protocol: 'http', ...tcp },
    ],
  ];
  it.each(good)('%j', (obj, expected) => {
    expect(value(normalizePortLong(obj))).toEqual(expected);
  });

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ published: 8080 }, /no target/],
    [{ target: 0 }, /port 0 is out of range/],
    [{ target: 70000 }, /port 70000 is out of range/],
    [{ target: true }, /target must be a number/],
    [{ target: 80, published: 99999 }, /port 99999 is out of range/],
    [{ target: 80, published: '9000-8000' }, /ends before it starts/],
    [{ target: 80, protocol: 'icmp' }, /protocol "icmp"/],
    [{ target: 80, mode: 'global' }, /mode "global" is not host or ingress/],
    [{ target: 80, host_ip: 'nope' }, /not an IP address/],
    [{ target: 80, publish: 8080 }, /unknown key "publish"/],
  ];
  it.each(bad)('%j is an error', (obj, pattern) => {
    expectError(normalizePortLong(obj), pattern);
  });
});

describe('parseVolume', () => {
  const ctx = { projectDir: '/proj/app', homeDir: '/home/me' };
  const bind = (source: string, target: string, extra: Record<string, unknown> = {}): unknown => ({
    type: 'bind',
    source,
    target,
    bind: { create_host_path: true },
    ...extra,
  });
  const good: Array<[string, unknown]> = [
    ['/data', { type: 'volume', target: '/data', volume: {} }],
    ['/d', { type: 'volume', target: '/d', volume: {} }],
    ['data:/data', { type: 'volume', source: 'data', target: '/data', volume: {} }],
    ['my_vol.1-x:/data', { type: 'volume', source: 'my_vol.1-x', target: '/data', volume: {} }],
    ['data:/data:ro', { type: 'volume', source: 'data', target: '/data', volume: {}, read_only: true }],
    ['data:/data:nocopy', { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } }],
    ['data:/data:ro,nocopy', { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true }, read_only: true }],
    ['./src:/app', bind('/proj/app/src', '/app')],
    ['.:/app', bind('/proj/app', '/app')],
    ['./:/app', bind('/proj/app', '/app')],
    ['../x:/y', bind('/proj/x', '/y')],
    ['./a/../b/./c/:/y', bind('/proj/app/b/c', '/y')],
    ['~/x:/y', bind('/home/me/x', '/y')],
    ['~:/y', bind('/home/me', '/y')],
    ['/abs:/y', bind('/abs', '/y')],
    ['/abs//p/:/y', bind('/abs/p', '/y')],
    ['/:/host', bind('/', '/host')],
    ['./src:/app:ro', bind('/proj/app/src', '/app', { read_only: true })],
    ['./src:/app:rw', bind('/proj/app/src', '/app')],
    ['./src:/app:ro,rw', bind('/proj/app/src', '/app')],
    ['./src:/app:z', { type: 'bind', source: '/proj/app/src', target: '/app', bind: { create_host_path: true, selinux: 'z' } }],
    [
      './src:/app:ro,Z',
      { type: 'bind', source: '/proj/app/src', target: '/app', read_only: true, bind: { create_host_path: true, selinux: 'Z' } },
    ],
    [
      '/x:/y:rshared',
      { type: 'bind', source: '/x', target: '/y', bind: { create_host_path: true, propagation: 'rshared' } },
    ],
    [
      '/x:/y:ro,z,rslave',
      { type: 'bind', source: '/x', target: '/y', read_only: true, bind: { create_host_path: true, selinux: 'z', propagation: 'rslave' } },
    ],
    ['/x:/y:cached', bind('/x', '/y', { consistency: 'cached' })],
    // Like compose-go: an option for another mount type stays in the model.
    ['data:/data:z', { type: 'volume', source: 'data', target: '/data', volume: {}, bind: { selinux: 'z' } }],
    // Windows paths as compose-go splits them: a drive's colon is not a separator.
    ['C:\\data:/data', bind('C:\\data', '/data')],
    ['C:\\data:/data:ro', bind('C:\\data', '/data', { read_only: true })],
    ['c:\\a b\\x:D:\\y', bind('c:\\a b\\x', 'D:\\y')],
    ['\\\\host\\share:/s', bind('\\\\host\\share', '/s')],
    ['D:\\cache', { type: 'volume', target: 'D:\\cache', volume: {} }],
    // A colon and a slash after one letter stay a separator: the volume a at /data.
    ['a:/data', { type: 'volume', source: 'a', target: '/data', volume: {} }],
  ];
  it.each(good)('%j', (spec, expected) => {
    expect(value(parseVolume(spec, ctx))).toEqual(expected);
  });

  const bad: Array<[string, RegExp]> = [
    ['data:rel', /volume target "rel" is not an absolute path/],
    ['rel', /volume target "rel" is not an absolute path/],
    ['./src:app', /volume target "app" is not an absolute path/],
    ['', /volume is empty/],
    ['a:/b:ro:x', /too many colons/],
    ['a::/b', /empty section between colons/],
    ['/a:/b:', /empty section between colons/],
    ['data:/data:r0', /volume option "r0" .* is unknown/],
    ['data:/data:ro,,z', /volume option "" .* is unknown/],
    ['my vol:/data', /volume name "my vol" is not valid/],
    ['_x:/data', /volume name "_x" is not valid/],
    ['~bob/x:/y', /~user/],
  ];
  it.each(bad)('%j is an error', (spec, pattern) => {
    expectError(parseVolume(spec, ctx), pattern);
  });

  it('hints how to fix a relative target', () => {
    const p = parseVolume('data:rel', ctx);
    expect(p.ok ? undefined : p.hint).toMatch(/\/rel/);
  });
});

describe('normalizeVolumeLong', () => {
  const ctx = { projectDir: '/proj', homeDir: '/home/me' };
  const good: Array<[Record<string, unknown>, unknown]> = [
    [
      { type: 'bind', source: './src', target: '/app' },
      { type: 'bind', source: '/proj/src', target: '/app', bind: { create_host_path: true } },
    ],
    [
      { type: 'bind', source: '~/x', target: '/app', read_only: true, bind: { create_host_path: false, propagation: 'rprivate', selinux: 'Z' } },
      { type: 'bind', source: '/home/me/x', target: '/app', read_only: true, bind: { create_host_path: false, propagation: 'rprivate', selinux: 'Z' } },
    ],
    [
      { type: 'bind', source: '/abs', target: '/app', bind: {} },
      { type: 'bind', source: '/abs', target: '/app', bind: { create_host_path: true } },
    ],
    [
      { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true, subpath: 'sub' } },
      { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true, subpath: 'sub' } },
    ],
    [{ type: 'volume', target: '/data' }, { type: 'volume', target: '/data', volume: {} }],
    [{ type: 'volume', target: '/data', read_only: false }, { type: 'volume', target: '/data', volume: {} }],
    [
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: '64m', mode: '1777' } },
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 64 * 1024 * 1024, mode: 0o1777 } },
    ],
    [
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 1000, mode: 0o755 } },
      { type: 'tmpfs', target: '/tmp', tmpfs: { size: 1000, mode: 0o755 } },
    ],
    [
      { type: 'image', source: 'alpine:3', target: '/img', image: { subpath: 'etc' } },
      { type: 'image', source: 'alpine:3', target: '/img', image: { subpath: 'etc' } },
    ],
    [
      { type: 'volume', source: 'data', target: '/data', consistency: 'cached', 'x-foo': 1 },
      { type: 'volume', source: 'data', target: '/data', consistency: 'cached', volume: {} },
    ],
  ];
  it.each(good)('%j', (obj, expected) => {
    expect(value(normalizeVolumeLong(obj, ctx))).toEqual(expected);
  });

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ source: 'data', target: '/data' }, /volume has no type/],
    [{ type: 'nfs', target: '/data' }, /volume type "nfs" is unknown/],
    [{ type: 'volume', source: 'data' }, /volume has no target/],
    [{ type: 'volume', source: 'data', target: 'rel' }, /not an absolute path/],
    [{ type: 'bind', target: '/app' }, /bind mount has no source/],
    [{ type: 'volume', source: 'bad name', target: '/d' }, /volume name "bad name" is not valid/],
    [{ type: 'tmpfs', source: 'x', target: '/t' }, /tmpfs mount has a source/],
    [{ type: 'tmpfs', target: '/t', tmpfs: { size: '12q' } }, /size "12q" is not valid/],
    [{ type: 'tmpfs', target: '/t', tmpfs: { mode: 'rwx' } }, /not an octal file mode/],
    [{ type: 'bind', source: '/x', target: '/y', bind: { propagation: 'weird' } }, /propagation "weird" is unknown/],
    [{ type: 'bind', source: '/x', target: '/y', bind: { selinux: 'y' } }, /selinux "y" is not z or Z/],
    [{ type: 'bind', source: '/x', target: '/y', bind: { create_host_path: 'yes' } }, /must be true or false/],
    [{ type: 'bind', source: '/x', target: '/y', readonly: true }, /unknown key "readonly"/],
    [{ type: 'bind', source: '/x', target: '/y', bind: { foo: 1 } }, /volume bind has unknown key "foo"/],
    [{ type: 'volume', source: 'v', target: '/y', volume: { labels: { a: 'b' } } }, /volume.labels is not supported/],
    [{ type: 'image', target: '/img' }, /image mount has no source/],
  ];
  it.each(bad)('%j is an error', (obj, pattern) => {
    expectError(normalizeVolumeLong(obj, ctx), pattern);
  });
});

const S = 1_000_000_000;

describe('parseDuration', () => {
  const good: Array<[string | number, number]> = [
    ['1m30s', 90 * S],
    ['10s', 10 * S],
    ['500ms', 500_000_000],
    ['1h', 3600 * S],
    ['1.5s', 1.5 * S],
    ['2us', 2000],
    ['2µs', 2000],
    ['2μs', 2000],
    ['1ns', 1],
    ['1h2m3s4ms5us6ns', 3723 * S + 4_005_006],
    ['.5s', 0.5 * S],
    ['1.s', S],
    ['+5s', 5 * S],
    ['1d', 86400 * S],
    ['1w', 7 * 86400 * S],
    ['0', 0],
    ['0s', 0],
    ['1.0000000001s', S],
    ['0.1s', 100_000_000],
    ['10', 10 * S],
    ['1.5', 1.5 * S],
    [10, 10 * S],
    [1.5, 1.5 * S],
    [0.1, 100_000_000],
    [0, 0],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseDuration(input))).toBe(expected);
  });

  const bad: Array<[string | number, RegExp]> = [
    ['10x', /unknown unit "x"/],
    ['1m30', /number without a unit/],
    ['', /empty/],
    ['s', /not valid/],
    ['.s', /not valid/],
    ['-1s', /negative/],
    [-1, /negative/],
    ['1 s', /unknown unit " s"/],
    ['abc', /not valid/],
    ['10S', /unknown unit "S"/],
    ['200d', /too long/],
    [Number.NaN, /not a number/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseDuration(input), pattern);
  });
});

describe('formatDuration', () => {
  const vectors: Array<[number, string]> = [
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1000, '1µs'],
    [1500, '1.5µs'],
    [500_000_000, '500ms'],
    [1_500_000, '1.5ms'],
    [S, '1s'],
    [1.5 * S, '1.5s'],
    [10 * S, '10s'],
    [60 * S, '1m0s'],
    [90 * S, '1m30s'],
    [3600 * S, '1h0m0s'],
    [3723 * S + 4_005_006, '1h2m3.004005006s'],
    [86400 * S, '24h0m0s'],
    [-90 * S, '-1m30s'],
  ];
  it.each(vectors)('%d ns', (ns, expected) => {
    expect(formatDuration(ns)).toBe(expected);
  });

  it('round-trips through parseDuration', () => {
    for (const text of ['1m30s', '500ms', '1h0m0s', '1.5s', '2µs', '1h2m3.004005006s']) {
      expect(formatDuration(value(parseDuration(text)))).toBe(text);
    }
  });
});

describe('parseBytes', () => {
  const K = 1024;
  const good: Array<[string | number, number]> = [
    ['512m', 512 * K * K],
    ['1g', K * K * K],
    ['1.5g', 1.5 * K * K * K],
    ['100k', 100 * K],
    ['1024', 1024],
    [1024, 1024],
    ['2b', 2],
    ['2B', 2],
    ['512mb', 512 * K * K],
    ['512MB', 512 * K * K],
    ['32Kib', 32 * K],
    ['32KIB', 32 * K],
    ['32 mb', 32 * K * K],
    ['1t', K ** 4],
    ['2p', 2 * K ** 5],
    ['32.3', 32],
    ['0.3MB', Math.trunc(0.3 * K * K)],
    ['0', 0],
    [1.9, 1],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseBytes(input))).toBe(expected);
  });

  const bad: Array<[string | number, RegExp]> = [
    ['12q', /size "12q" is not valid/],
    ['-32', /negative/],
    [-1, /negative/],
    ['', /not valid/],
    ['hello', /not valid/],
    [' 32 ', /not valid/],
    ['32m b', /not valid/],
    ['32bm', /not valid/],
    ['1.2.3m', /not valid/],
    ['.5m', /not valid/],
    ['1e3', /not valid/],
    ['9p', /too large/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseBytes(input), pattern);
  });
});

describe('parseEnvironment', () => {
  const env: Record<string, string> = { B: 'from-env', EMPTY: '' };
  const lookup = (k: string): string | undefined => env[k];
  const good: Array<[unknown, Record<string, string | null>]> = [
    [['A=1', 'B', 'C='], { A: '1', B: 'from-env', C: '' }],
    [['UNSET'], { UNSET: null }],
    [['EMPTY'], { EMPTY: '' }],
    [['A=x=y', 'A2= spaced '], { A: 'x=y', A2: ' spaced ' }],
    [['A=1', 'A=2'], { A: '2' }],
    [{ A: 1, B: null, C: true, D: 'text', E: 1.5, F: false, UNSET: null }, { A: '1', B: 'from-env', C: 'true', D: 'text', E: '1.5', F: 'false', UNSET: null }],
    [{ C: '' }, { C: '' }],
    [null, {}],
    [undefined, {}],
    [[], {}],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseEnvironment(input, lookup))).toEqual(expected);
  });

  it('uses the YAML source text for numbers and booleans when given', () => {
    const raw: Record<string, string> = { V: '1.10', H: '0x1F', Y: 'True' };
    const p = parseEnvironment({ V: 1.1, H: 31, Y: true, N: 2 }, lookup, (k) => raw[k]);
    expect(value(p)).toEqual({ V: '1.10', H: '0x1F', Y: 'True', N: '2' });
  });

  const bad: Array<[unknown, RegExp]> = [
    [['=1'], /environment entry "=1" has no variable name/],
    [[''], /has no variable name/],
    [[{ A: 1 }], /is a mapping, not a string/],
    [{ A: { nested: 1 } }, /environment variable A is a mapping/],
    [{ A: [1] }, /environment variable A is a list/],
    ['A=1', /must be a list or a mapping/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseEnvironment(input, lookup), pattern);
  });
});

describe('parseLabels', () => {
  const good: Array<[unknown, Record<string, string>]> = [
    [['a=b', 'c', 'd=', 'e=f=g'], { a: 'b', c: '', d: '', e: 'f=g' }],
    [{ a: 'b', n: 1, t: true, z: null }, { a: 'b', n: '1', t: 'true', z: '' }],
    [null, {}],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseLabels(input))).toEqual(expected);
  });
  it('uses source text when given', () => {
    expect(value(parseLabels({ v: 1.1 }, () => '1.10'))).toEqual({ v: '1.10' });
  });
  const bad: Array<[unknown, RegExp]> = [
    [['=b'], /label entry "=b" has no name/],
    [{ a: { b: 1 } }, /label a is a mapping/],
    ['a=b', /must be a list or a mapping/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseLabels(input), pattern);
  });
});

describe('parseSysctls', () => {
  const good: Array<[unknown, Record<string, string>]> = [
    [['net.core.somaxconn=1024', 'net.ipv4.tcp_syncookies=0'], { 'net.core.somaxconn': '1024', 'net.ipv4.tcp_syncookies': '0' }],
    [{ 'net.core.somaxconn': 1024, 'kernel.x': 'a b' }, { 'net.core.somaxconn': '1024', 'kernel.x': 'a b' }],
    [undefined, {}],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseSysctls(input))).toEqual(expected);
  });
  const bad: Array<[unknown, RegExp]> = [
    [['net.core.somaxconn'], /sysctl "net.core.somaxconn" has no value/],
    [['=1'], /has no name/],
    [42, /must be a list or a mapping/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseSysctls(input), pattern);
  });
});

describe('parseLink', () => {
  const good: Array<[string, unknown]> = [
    ['db', { service: 'db', alias: 'db' }],
    ['db:database', { service: 'db', alias: 'database' }],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseLink(input))).toEqual(expected);
  });
  const bad: Array<[string, RegExp]> = [
    ['', /no service name/],
    [':alias', /no service name/],
    ['db:', /empty alias/],
    ['a:b:c', /more than one colon/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseLink(input), pattern);
  });
});

describe('parseDependsOn', () => {
  const started = { condition: 'service_started', required: true };
  const good: Array<[unknown, unknown]> = [
    [['db', 'cache'], { db: started, cache: started }],
    [{ db: { condition: 'service_healthy' } }, { db: { condition: 'service_healthy', required: true } }],
    [{ db: {} }, { db: started }],
    [{ db: null }, { db: started }],
    [
      { db: { condition: 'service_completed_successfully', restart: true, required: false } },
      { db: { condition: 'service_completed_successfully', restart: true, required: false } },
    ],
    [null, {}],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseDependsOn(input))).toEqual(expected);
  });
  const bad: Array<[unknown, RegExp]> = [
    [{ db: { condition: 'healthy' } }, /condition "healthy" is unknown/],
    [{ db: { required: 'no' } }, /required must be true or false/],
    [{ db: { restart: 1 } }, /restart must be true or false/],
    [{ db: { conditon: 'service_healthy' } }, /unknown key "conditon"/],
    [{ db: 'service_healthy' }, /depends_on db must be a mapping/],
    [['db', 'db'], /lists db twice/],
    [[''], /not a service name/],
    [[1], /not a service name/],
    ['db', /must be a list or a mapping/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseDependsOn(input), pattern);
  });
});

describe('parseCommand', () => {
  const good: Array<[unknown, string[] | null]> = [
    [null, null],
    [undefined, null],
    ['', []],
    ['   ', []],
    [[], []],
    [['sh', '-c', 'echo hi && exit 1'], ['sh', '-c', 'echo hi && exit 1']],
    [['sleep', 10, true], ['sleep', '10', 'true']],
    ['echo hello world', ['echo', 'hello', 'world']],
    ['  echo   spaced\targs\n', ['echo', 'spaced', 'args']],
    [`sh -c 'echo "hi there"; exit 0'`, ['sh', '-c', 'echo "hi there"; exit 0']],
    [`echo "a \\"quoted\\" word"`, ['echo', 'a "quoted" word']],
    [`echo "\\$HOME" '\\n'`, ['echo', '$HOME', '\\n']],
    [`echo a\\ b`, ['echo', 'a b']],
    [`echo ''`, ['echo', '']],
    [`echo ""x`, ['echo', 'x']],
    [`echo a"b c"d`, ['echo', 'ab cd']],
    [`echo $HOME \${X}`, ['echo', '$HOME', '${X}']],
    ['echo `date +%s` $(id -u)', ['echo', '`date +%s`', '$(id -u)']],
    [`echo "a;b" 'c|d' e\\&f`, ['echo', 'a;b', 'c|d', 'e&f']],
    [`printf a\\tb`, ['printf', 'a\tb']],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseCommand(input))).toEqual(expected);
  });

  const bad: Array<[unknown, RegExp]> = [
    [`echo 'unterminated`, /unterminated ' quote/],
    [`echo "unterminated`, /unterminated " quote/],
    ['echo `date', /unterminated backtick/],
    ['echo $(date', /unterminated "\$\("/],
    ['echo trailing\\', /lone backslash/],
    ['echo a && echo b', /shell operator "&"/],
    ['echo a; echo b', /shell operator ";"/],
    ['cat x | wc', /shell operator "\|"/],
    ['cmd > out', /shell operator ">"/],
    ['echo (x)', /unquoted "\("/],
    ['echo x)', /unquoted "\)"/],
    [{ cmd: 'x' }, /must be a string or a list/],
    [[['nested']], /is a list, not a string/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseCommand(input), pattern);
  });

  it('names the entrypoint in its problems', () => {
    expectError(parseCommand(`'x`, true), /^entrypoint "'x" has an unterminated ' quote/);
    expect(value(parseCommand('', true))).toEqual([]);
  });

  it('hints sh -c for shell operators', () => {
    const p = parseCommand('echo a && echo b');
    expect(p.ok ? undefined : p.hint).toContain('["sh", "-c", "echo a && echo b"]');
  });
});

describe('parseHealthcheck', () => {
  const good: Array<[Record<string, unknown>, unknown]> = [
    [
      { test: 'curl -f http://localhost || exit 1', interval: '1m30s', timeout: '10s', retries: 3, start_period: '40s', start_interval: '5s' },
      {
        test: ['CMD-SHELL', 'curl -f http://localhost || exit 1'],
        interval: 90 * S,
        timeout: 10 * S,
        retries: 3,
        start_period: 40 * S,
        start_interval: 5 * S,
      },
    ],
    [{ test: ['CMD', 'pg_isready', '-U', 'postgres'] }, { test: ['CMD', 'pg_isready', '-U', 'postgres'] }],
    [{ test: ['CMD-SHELL', 'exit 0'], interval: 2 }, { test: ['CMD-SHELL', 'exit 0'], interval: 2 * S }],
    [{ test: ['NONE'] }, { test: ['NONE'], disable: true }],
    [{ disable: true }, { test: ['NONE'], disable: true }],
    [{ disable: true, test: ['NONE'], interval: '5s' }, { test: ['NONE'], disable: true }],
    [{ disable: false, interval: '5s' }, { interval: 5 * S }],
    [{ interval: '5s', retries: '2' }, { interval: 5 * S, retries: 2 }],
    [{ test: [] }, {}],
    [{}, {}],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseHealthcheck(input))).toEqual(expected);
  });

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ test: ['curl', '-f', 'http://x'] }, /starts with "curl", not NONE, CMD or CMD-SHELL/],
    [{ test: ['CMD'] }, /has no command/],
    [{ test: ['NONE', 'x'] }, /extra entries/],
    [{ test: '' }, /test is empty/],
    [{ test: { cmd: 'x' } }, /must be a string or a list/],
    [{ disable: true, test: ['CMD', 'true'] }, /disable: true and a test/],
    [{ interval: '10x' }, /healthcheck interval: .*unknown unit "x"/],
    [{ timeout: true }, /timeout must be a duration/],
    [{ retries: -1 }, /retries -1 is not a whole number/],
    [{ retries: 1.5 }, /not a whole number/],
    [{ disable: 'yes' }, /must be true or false/],
    [{ intervall: '5s' }, /unknown key "intervall"/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseHealthcheck(input), pattern);
  });
});

describe('parseExtraHosts', () => {
  const good: Array<[unknown, string[]]> = [
    [['somehost:162.242.195.82', 'otherhost=50.31.209.229'], ['somehost:162.242.195.82', 'otherhost:50.31.209.229']],
    [['myhost:::1', 'v6=::1', 'br=[::1]'], ['myhost:::1', 'v6:::1', 'br:::1']],
    [['multi=10.0.0.1,10.0.0.2'], ['multi:10.0.0.1', 'multi:10.0.0.2']],
    [['gw:host-gateway'], ['gw:host-gateway']],
    [{ somehost: '162.242.195.82', v6: '::1', many: ['10.0.0.1', '[fe80::1]'] }, ['somehost:162.242.195.82', 'v6:::1', 'many:10.0.0.1', 'many:fe80::1']],
    [null, []],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseExtraHosts(input))).toEqual(expected);
  });
  const bad: Array<[unknown, RegExp]> = [
    [['nohost'], /"nohost" has no IP address/],
    [['host='], /"host" has no IP address/],
    [['host:not-an-ip'], /"not-an-ip" is not an IP address/],
    [[':1.2.3.4'], /extra host name "" is not valid/],
    [{ h: null }, /"h" has no IP address/],
    [{ h: 5 }, /must map to an IP/],
    [[5], /not a string/],
    ['host:1.2.3.4', /must be a list or a mapping/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseExtraHosts(input), pattern);
  });
});

describe('parseUlimits', () => {
  const good: Array<[unknown, unknown]> = [
    [{ nproc: 65535, nofile: { soft: 20000, hard: 40000 } }, { nproc: 65535, nofile: { soft: 20000, hard: 40000 } }],
    [{ memlock: -1, core: { soft: 0, hard: -1 } }, { memlock: -1, core: { soft: 0, hard: -1 } }],
    [{ nofile: '1024' }, { nofile: 1024 }],
    [null, {}],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(parseUlimits(input))).toEqual(expected);
  });
  const bad: Array<[unknown, RegExp]> = [
    [{ nofile: { soft: 40000, hard: 20000 } }, /soft limit 40000 is above hard limit 20000/],
    [{ nofile: { soft: 10 } }, /needs both soft and hard/],
    [{ nofiles: 10 }, /ulimit "nofiles" is unknown/],
    [{ nofile: 'lots' }, /not a whole number/],
    [{ nofile: 1.5 }, /not a whole number/],
    [{ nofile: -2 }, /not a whole number/],
    [{ nofile: { soft: 1, hard: 2, max: 3 } }, /unknown key "max"/],
    [['nofile=10'], /must be a mapping/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(parseUlimits(input), pattern);
  });
});

describe('toStringList', () => {
  const good: Array<[unknown, string[]]> = [
    ['8.8.8.8', ['8.8.8.8']],
    [['8.8.8.8', '9.9.9.9'], ['8.8.8.8', '9.9.9.9']],
    [['/run', '/tmp:size=64m'], ['/run', '/tmp:size=64m']],
    [[1, true], ['1', 'true']],
    [null, []],
    [undefined, []],
    [[], []],
  ];
  it.each(good)('%j', (input, expected) => {
    expect(value(toStringList(input))).toEqual(expected);
  });
  const bad: Array<[unknown, RegExp]> = [
    [{ a: 1 }, /expected a string or a list of strings, not a mapping/],
    [[{ path: '.env' }], /list entry .* is a mapping/],
    [[null], /list entry null is null/],
  ];
  it.each(bad)('%j is an error', (input, pattern) => {
    expectError(toStringList(input), pattern);
  });
});
