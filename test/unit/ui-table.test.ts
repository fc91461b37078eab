import { describe, expect, it } from 'vitest';
import { paint } from '../../src/ui/color.js';
import { formatDuration, formatPorts, formatStatus, type PortEntry } from '../../src/ui/format.js';
import { formatTable } from '../../src/ui/table.js';

describe('formatTable', () => {
  it('aligns columns with three spaces and no trailing spaces', () => {
    const text = formatTable(
      ['NAME', 'IMAGE', 'STATUS', 'PORTS'],
      [
        ['tsfigdemo-web-1', 'nginx:alpine', 'Up 3 seconds', '0.0.0.0:8080->80/tcp'],
        ['tsfigdemo-db-1', 'postgres:16', 'Exited (0) 2 minutes ago', ''],
      ],
    );
    expect(text).toBe(
      'NAME              IMAGE          STATUS                     PORTS\n' +
        'tsfigdemo-web-1   nginx:alpine   Up 3 seconds               0.0.0.0:8080->80/tcp\n' +
        'tsfigdemo-db-1    postgres:16    Exited (0) 2 minutes ago\n',
    );
  });

  it('measures widths without ANSI codes', () => {
    const p = paint(true);
    const text = formatTable(['NAME', 'STATUS'], [[p.cyan('web'), 'running'], ['database', p.red('exited')]]);
    const lines = text.split('\n');
    expect(lines[1]).toBe(`${p.cyan('web')}        running`);
    expect(lines[2]).toBe(`database   ${p.red('exited')}`);
  });

  it('bolds headers only with color, and fills short rows', () => {
    expect(formatTable(['A', 'B'], [['x']], { color: true })).toBe('\u001b[1mA\u001b[22m   \u001b[1mB\u001b[22m\nx\n');
    expect(formatTable(['A', 'B'], [])).toBe('A   B\n');
  });
});

describe('formatPorts', () => {
  const tcp = (privatePort: number, publicPort?: number, ip?: string): PortEntry => ({ privatePort, publicPort, ip, type: 'tcp' });

  it.each<[string, PortEntry[], string]>([
    ['nothing', [], ''],
    ['unpublished', [tcp(80)], '80/tcp'],
    ['udp', [{ privatePort: 53, type: 'udp' }], '53/udp'],
    ['IPv4 and IPv6 mapping', [tcp(80, 8080, '::'), tcp(80, 8080, '0.0.0.0')], '0.0.0.0:8080->80/tcp, :::8080->80/tcp'],
    ['same port both families', [tcp(80, 80, '0.0.0.0'), tcp(80, 80, '::')], '0.0.0.0:80->80/tcp, :::80->80/tcp'],
    ['published range', [tcp(8001, 8001, '0.0.0.0'), tcp(8000, 8000, '0.0.0.0')], '0.0.0.0:8000-8001->8000-8001/tcp'],
    ['unpublished range', [tcp(8000), tcp(8001), tcp(8002)], '8000-8002/tcp'],
    ['tcp and udp kept apart', [tcp(53), { privatePort: 53, type: 'udp' }, tcp(54)], '53-54/tcp, 53/udp'],
    ['a gap breaks the range', [tcp(80), tcp(81), tcp(90)], '80-81/tcp, 90/tcp'],
    ['mixed', [tcp(443, 443, '127.0.0.1'), tcp(9000), tcp(80, 8080, '0.0.0.0')], '127.0.0.1:443->443/tcp, 9000/tcp, 0.0.0.0:8080->80/tcp'],
    ['udp mapping', [{ ip: '0.0.0.0', privatePort: 53, publicPort: 5353, type: 'udp' }], '0.0.0.0:5353->53/udp'],
    ['address without public port', [{ ip: '0.0.0.0', privatePort: 80, type: 'tcp' }], '80/tcp'],
  ])('%s', (_name, ports, expected) => {
    expect(formatPorts(ports)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const ports = [tcp(81), tcp(80)];
    formatPorts(ports);
    expect(ports.map((p) => p.privatePort)).toEqual([81, 80]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0s'],
    [400, '0.4s'],
    [449, '0.4s'],
    [12_000, '12.0s'],
    [59_940, '59.9s'],
    [59_960, '1m0s'],
    [123_000, '2m3s'],
    [3_605_000, '1h0m5s'],
    [-5, '0.0s'],
    [Number.NaN, '0.0s'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('formatStatus', () => {
  it('passes the engine status through', () => {
    expect(formatStatus('Up 3 seconds (healthy)', 'running')).toBe('Up 3 seconds (healthy)');
    expect(formatStatus('', 'created')).toBe('created');
    expect(formatStatus(undefined)).toBe('');
  });
});
