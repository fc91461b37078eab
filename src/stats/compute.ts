/**
 * `tsfig stats`, the pure part: a stats sample of the engine -> numbers, computed as the docker
 * CLI does (cli/command/container/stats_helpers.go), and numbers -> the CLI's text (go-units'
 * `BytesSize` / `HumanSizeWithPrecision`, Go's `%g` and `%.2f`), the table, the JSON lines, and
 * the redraw of a terminal.
 */
import type { ContainerStats, StatsCpu } from '../engine/engine.js';
import { formatTable } from '../ui/table.js';
import { byText } from '../model/dict.js';

/** What one sample says, in numbers (bytes, percent). */
export interface StatsEntry {
  cpuPercent: number;
  /** Usage without the page cache that can be reclaimed (see `memUsageNoCache`). */
  memory: number;
  memoryLimit: number;
  memoryPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** A stopped container (`--all`): zeros, as `docker stats -a` shows it. */
export const ZERO_ENTRY: Readonly<StatsEntry> = { cpuPercent: 0, memory: 0, memoryLimit: 0, memoryPercent: 0, netRx: 0, netTx: 0, blockRead: 0, blockWrite: 0, pids: 0 };

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * CPU % between two readings: the container's CPU time over the host's, times the online CPUs
 * (so one busy core of four is 100 %, not 25 %). 0 when either delta is not positive (no
 * previous reading: `precpu_stats` empty).
 */
export function cpuPercent(previous: StatsCpu | undefined, current: StatsCpu | undefined): number {
  const cpuDelta = n(current?.cpu_usage?.total_usage) - n(previous?.cpu_usage?.total_usage);
  const systemDelta = n(current?.system_cpu_usage) - n(previous?.system_cpu_usage);
  let online = n(current?.online_cpus);
  if (online === 0) online = current?.cpu_usage?.percpu_usage?.length ?? 0;
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * online * 100;
  return 0;
}

/** Whether a sample carries a previous CPU reading (the first sample of a stream does not). */
export function hasPreviousReading(s: ContainerStats): boolean {
  return n(s.precpu_stats?.system_cpu_usage) > 0;
}

/**
 * `sample` with `earlier`'s CPU counters as its previous reading, when `earlier` was read at
 * least `minGapMs` before it (a shorter span gives a jumpy CPU %); otherwise undefined.
 */
export function withPreviousReading(sample: ContainerStats, earlier: ContainerStats, minGapMs = 200): ContainerStats | undefined {
  const t0 = Date.parse(earlier.read ?? '');
  const t1 = Date.parse(sample.read ?? '');
  // The engine's zero time (`0001-01-01`) means no reading.
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || t0 <= 0 || t1 - t0 < minGapMs || earlier.cpu_stats === undefined) return undefined;
  return { ...sample, precpu_stats: earlier.cpu_stats, preread: earlier.read };
}

/**
 * Memory usage without the inactive page cache, as docker >= 19.03 (and cadvisor, CRI): cgroup
 * v1 `usage - total_inactive_file`, cgroup v2 `usage - inactive_file` (docker <= 19.03
 * subtracted `cache`). The same fall-through as the CLI: v1's key when present and smaller,
 * else v2's, else the usage.
 */
export function memUsageNoCache(mem: ContainerStats['memory_stats']): number {
  const usage = n(mem?.usage);
  const stats = mem?.stats ?? {};
  if (Object.prototype.hasOwnProperty.call(stats, 'total_inactive_file')) {
    const v1 = n(stats.total_inactive_file);
    if (v1 < usage) return usage - v1;
  }
  const v2 = n(stats.inactive_file);
  if (v2 < usage) return usage - v2;
  return usage;
}

export function memPercent(limit: number, used: number): number {
  return limit !== 0 ? (used / limit) * 100 : 0;
}

/** Received and sent bytes, summed over the interfaces. */
export function networkIO(networks: ContainerStats['networks']): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const v of Object.values(networks ?? {})) {
    rx += n(v.rx_bytes);
    tx += n(v.tx_bytes);
  }
  return { rx, tx };
}

/** Read and written bytes: the `Read`/`Write` entries of `io_service_bytes_recursive` (any device). */
export function blockIO(blkio: ContainerStats['blkio_stats']): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of blkio?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').charAt(0);
    if (op === 'r' || op === 'R') read += n(e.value);
    else if (op === 'w' || op === 'W') write += n(e.value);
  }
  return { read, write };
}

export function statsEntry(s: ContainerStats): StatsEntry {
  const memory = memUsageNoCache(s.memory_stats);
  const limit = n(s.memory_stats?.limit);
  const net = networkIO(s.networks);
  const blk = blockIO(s.blkio_stats);
  return {
    cpuPercent: cpuPercent(s.precpu_stats, s.cpu_stats),
    memory,
    memoryLimit: limit,
    memoryPercent: memPercent(limit, memory),
    netRx: net.rx,
    netTx: net.tx,
    blockRead: blk.read,
    blockWrite: blk.write,
    pids: n(s.pids_stats?.current),
  };
}

// ---------------------------------------------------------------- Go's number formatting

/** The exact decimal digits of x > 0 (no leading or trailing zeros) and the point's position: x = 0.DIGITS × 10^dp. */
function exactDigits(x: number): { d: string; dp: number } {
  // 100 significant digits hold the exact value of every double in the ranges printed here.
  const [mant = '0', exp = '0'] = x.toExponential(99).split('e');
  const d = mant.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(exp) + 1 };
}

/** Keep `nd` significant digits, rounding half to even on an exact tie (Go's strconv). */
function roundDigits(dec: { d: string; dp: number }, nd: number): { d: string; dp: number } {
  const { d, dp } = dec;
  if (nd < 0 || nd >= d.length) return dec;
  const next = d.charAt(nd);
  const tie = next === '5' && nd + 1 === d.length;
  const up = tie ? nd > 0 && Number(d.charAt(nd - 1)) % 2 === 1 : next >= '5';
  let kept = d.slice(0, nd);
  if (!up) return { d: kept.replace(/0+$/, ''), dp };
  let i = kept.length - 1;
  while (i >= 0 && kept.charAt(i) === '9') i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  kept = kept.slice(0, i) + String(Number(kept.charAt(i)) + 1);
  return { d: kept, dp };
}

function fmtE(dec: { d: string; dp: number }, prec: number): string {
  let s = dec.d.charAt(0) || '0';
  if (prec > 0) s += '.' + dec.d.slice(1, 1 + prec).padEnd(prec, '0');
  const exp = dec.d.length === 0 ? 0 : dec.dp - 1;
  const abs = Math.abs(exp);
  return `${s}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(dec: { d: string; dp: number }, prec: number): string {
  const { d, dp } = dec;
  let s = dp > 0 ? d.slice(0, dp).padEnd(dp, '0') : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dp + i - 1;
      s += j >= 0 && j < d.length ? d.charAt(j) : '0';
    }
  }
  return s;
}

function signed(x: number, body: (v: number) => string): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  return x < 0 ? '-' + body(-x) : body(x);
}

/** Go's `fmt.Sprintf("%.<prec>g", x)`. */
export function goG(x: number, prec: number): string {
  return signed(x, (v) => {
    const p = prec === 0 ? 1 : prec;
    const digs = v === 0 ? { d: '', dp: 0 } : roundDigits(exactDigits(v), p);
    const nd = digs.d.length;
    let eprec = p;
    if (eprec > nd && nd >= digs.dp) eprec = nd;
    const exp = digs.dp - 1;
    if (exp < -4 || exp >= eprec) return fmtE(digs, Math.min(p, nd) - 1);
    return fmtF(digs, Math.max((p > digs.dp ? nd : p) - digs.dp, 0));
  });
}

/** Go's `strconv.FormatFloat(x, 'f', decimals, 64)`. */
export function goFixed(x: number, decimals: number): string {
  return signed(x, (v) => {
    if (v === 0) return fmtF({ d: '', dp: 0 }, decimals);
    const dec = exactDigits(v);
    return fmtF(roundDigits(dec, dec.dp + decimals), decimals);
  });
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

function scaled(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** go-units `BytesSize`: binary units, 4 significant digits (`9.293MiB`, `64MiB`, `0B`). */
export function bytesSize(size: number): string {
  const [v, unit] = scaled(size, 1024, BINARY);
  return goG(v, 4) + unit;
}

/** go-units `HumanSizeWithPrecision`: decimal units (`1.17MB`, `806B`, `1.05kB`). */
export function humanSize(size: number, precision = 3): string {
  const [v, unit] = scaled(size, 1000, DECIMAL);
  return goG(v, precision) + unit;
}

export function formatPercent(v: number): string {
  return goFixed(v, 2) + '%';
}

// ---------------------------------------------------------------- rows, table, JSON

/** One container of the output; `entry` undefined: no sample (yet, or it failed): `--`. */
export interface StatsRow {
  id: string;
  name: string;
  service: string;
  host: string;
  entry?: StatsEntry;
}

/** The cells as `docker stats` prints them. */
export interface StatsCells {
  cpu: string;
  mem: string;
  memPerc: string;
  net: string;
  block: string;
  pids: string;
}

export function statsCells(entry: StatsEntry | undefined): StatsCells {
  if (entry === undefined) return { cpu: '--', mem: '-- / --', memPerc: '--', net: '--', block: '--', pids: '--' };
  return {
    cpu: formatPercent(entry.cpuPercent),
    mem: `${bytesSize(entry.memory)} / ${bytesSize(entry.memoryLimit)}`,
    memPerc: formatPercent(entry.memoryPercent),
    net: `${humanSize(entry.netRx)} / ${humanSize(entry.netTx)}`,
    block: `${humanSize(entry.blockRead)} / ${humanSize(entry.blockWrite)}`,
    pids: String(entry.pids),
  };
}

export function shortId(id: string, noTrunc: boolean): string {
  return noTrunc ? id : id.slice(0, 12);
}

/** Name order, then host (the same name may run on two hosts). */
export function sortRows<T extends { name: string; host: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => byText(a.name, b.name) || byText(a.host, b.host));
}

export interface TableOptions {
  /** Add a HOST column (the project spans several hosts). */
  multiHost?: boolean;
  noTrunc?: boolean;
  color?: boolean;
}

export function statsTable(rows: readonly StatsRow[], opts: TableOptions = {}): string {
  const headers = ['CONTAINER ID', ...(opts.multiHost ? ['HOST'] : []), 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];
  const body = rows.map((r) => {
    const c = statsCells(r.entry);
    return [shortId(r.id, opts.noTrunc === true), ...(opts.multiHost ? [r.host] : []), r.name, c.cpu, c.mem, c.memPerc, c.net, c.block, c.pids];
  });
  return formatTable(headers, body, { color: opts.color === true });
}

/**
 * One JSON object (one line) per container: docker's `--format json` keys (strings as it
 * prints them) plus Service, Host, and the numbers (bytes, percent; null without a sample).
 */
export function statsJsonLine(r: StatsRow, noTrunc = false): string {
  return JSON.stringify(statsRecord(r, noTrunc)) + '\n';
}

/** The fields of one container's sample, as `--format json` and `--format` templates see them. */
export function statsRecord(r: StatsRow, noTrunc = false): Record<string, string | number | null> {
  const c = statsCells(r.entry);
  const e = r.entry;
  const id = shortId(r.id, noTrunc);
  return {
    ID: id,
    Container: id,
    Name: r.name,
    Service: r.service,
    Host: r.host,
    CPUPerc: c.cpu,
    MemUsage: c.mem,
    MemPerc: c.memPerc,
    NetIO: c.net,
    BlockIO: c.block,
    PIDs: c.pids,
    CPUPercentage: e?.cpuPercent ?? null,
    Memory: e?.memory ?? null,
    MemoryLimit: e?.memoryLimit ?? null,
    MemoryPercentage: e?.memoryPercent ?? null,
    NetworkRx: e?.netRx ?? null,
    NetworkTx: e?.netTx ?? null,
    BlockRead: e?.blockRead ?? null,
    BlockWrite: e?.blockWrite ?? null,
    PidsCurrent: e?.pids ?? null,
  };
}

export function statsJson(rows: readonly StatsRow[], noTrunc = false): string {
  return rows.map((r) => statsJsonLine(r, noTrunc)).join('');
}

/**
 * One refresh of the streaming output. On a terminal the table is redrawn in place (as the docker
 * CLI: cursor home, each line followed by erase-to-end-of-line, then erase below; the first
 * frame clears the screen). Elsewhere each refresh is appended: a table and a blank line, or
 * JSON lines as they are.
 */
export function streamFrame(text: string, opts: { tty: boolean; first: boolean; json?: boolean }): string {
  if (!opts.tty) return opts.json === true ? text : text + '\n';
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const body = lines.map((l) => `${l}\u001b[K\n`).join('');
  return `${opts.first ? '\u001b[2J' : ''}\u001b[H${body}\u001b[J`;
}
