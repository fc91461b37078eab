/**
 * Pure normalizers from the Compose short syntaxes (and a few long ones) to the canonical
 * long form of `model/project.ts`. Every parser returns a value or a one-line problem
 * (never throws); the caller attaches file:line:col.
 *
 * Reference behaviour: compose-go (types/, format/volume.go, loader/), docker/go-connections
 * `nat.ParsePortSpec`, docker/go-units `RAMInBytes`, xhit/go-str2duration and
 * mattn/go-shellwords. Deliberate differences are marked "Differs from compose".
 */
import { isIP } from 'node:net';
import { posix as path } from 'node:path';

import type {
  DependsOn,
  DependsOnCondition,
  Healthcheck,
  PortConfig,
  ServiceLink,
  ServiceVolume,
  VolumeType,
} from '../model/project.js';
import { dict, hasKey } from '../model/dict.js';

import { DURATION_HINT, parseBytes, parseDuration, type Parsed } from '../model/units.js';

export { formatDuration, parseBytes, parseDuration, type Parsed } from '../model/units.js';

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(error: string, hint?: string): Parsed<T> {
  return hint === undefined ? { ok: false, error } : { ok: false, error, hint };
}

/** Re-types a failure so it can be returned from a parser of another type. */
function forward<T>(p: { ok: false; error: string; hint?: string }): Parsed<T> {
  return p;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/** Keys of a long-syntax mapping that are neither known nor `x-*` extensions. */
function unknownKeys(obj: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(obj).filter((k) => !known.includes(k) && !k.startsWith('x-'));
}

function unknownKeyFailure<T>(what: string, keys: string[], known: readonly string[]): Parsed<T> {
  return fail(
    `${what} has unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}`,
    `known keys: ${known.join(', ')}`,
  );
}

/** A YAML scalar as the string the engine gets (numbers and booleans as written). */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------

const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
type Protocol = (typeof PROTOCOLS)[number];

const PORT_SHAPES_HINT = 'write CONTAINER, HOST:CONTAINER or IP:HOST:CONTAINER, e.g. 8080:80 or 127.0.0.1:8080:80/udp';
const PORT_RANGE_HINT = 'use a port between 1 and 65535';

function parsePortNumber(text: string, side: string): Parsed<number> {
  if (text === '') return fail(`${side} port is empty`, PORT_SHAPES_HINT);
  if (!/^[0-9]+$/.test(text)) return fail(`${side} port ${JSON.stringify(text)} is not a number`, PORT_SHAPES_HINT);
  const n = Number(text);
  if (n < 1 || n > 65535) {
    return fail(
      `port ${text.replace(/^0+(?=\d)/, '')} is out of range 1-65535`,
      n === 0 && side === 'host' ? 'leave the host port out (e.g. "80" or "127.0.0.1::80") for a random one' : PORT_RANGE_HINT,
    );
  }
  return ok(n);
}

interface PortRange {
  start: number;
  end: number;
}

function parsePortRange(text: string, side: string): Parsed<PortRange> {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const p = parsePortNumber(text, side);
    return p.ok ? ok({ start: p.value, end: p.value }) : forward(p);
  }
  const startText = text.slice(0, dash);
  const endText = text.slice(dash + 1);
  if (endText.includes('-')) return fail(`${side} port range ${JSON.stringify(text)} is not START-END`, 'write a range like 8000-8010');
  const start = parsePortNumber(startText, side);
  if (!start.ok) return forward(start);
  const end = parsePortNumber(endText, side);
  if (!end.ok) return forward(end);
  if (end.value < start.value) {
    return fail(`${side} port range ${text} ends before it starts`, `write ${endText}-${startText}`);
  }
  return ok({ start: start.value, end: end.value });
}

function parseProtocol(text: string): Parsed<Protocol> {
  const lower = text.toLowerCase();
  if ((PROTOCOLS as readonly string[]).includes(lower)) return ok(lower as Protocol);
  return fail(`protocol ${JSON.stringify(text)} is not tcp, udp or sctp`, 'use /tcp, /udp or /sctp after the container port');
}

function parseHostIp(text: string): Parsed<string> {
  let ip = text;
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) return fail(`host IP ${JSON.stringify(text)} has an unclosed "["`, 'write an IPv6 address as [::1]');
    ip = ip.slice(1, -1);
  }
  if (isIP(ip) === 0) {
    return fail(`host IP ${JSON.stringify(text)} is not an IP address`, 'use an address such as 127.0.0.1 or [::1]');
  }
  return ok(ip);
}

/**
 * Short port syntax, as `nat.ParsePortSpec` + compose-go `ParsePortConfig` read it:
 * `[[IP:]HOST:]CONTAINER[/PROTO]`, where HOST and CONTAINER may be ranges. The IP is all
 * parts before the last two (so `::1:8080:80` binds ::1), `[...]` brackets are stripped.
 *
 * A container range expands to one entry per container port, paired with the matching host
 * port. A host range against a single container port is allowed and kept whole in
 * `published` ("8000-8010": the engine picks a free port in it). A container range against a
 * host range of another size (including a single host port) is an error.
 *
 * Differs from compose: port 0 is refused on both sides (compose lets the engine treat host
 * port 0 as random; leave it out instead), and expanded ranges come out in numeric order
 * (compose-go sorts "998/tcp" after "1000/tcp" as strings).
 */
export function parsePorts(spec: string | number): Parsed<PortConfig[]> {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec)) return fail(`port ${spec} is not a whole number`, PORT_RANGE_HINT);
    if (spec < 1 || spec > 65535) return fail(`port ${spec} is out of range 1-65535`, PORT_RANGE_HINT);
    return ok([{ target: spec, protocol: 'tcp', mode: 'ingress' }]);
  }
  if (typeof spec !== 'string') return fail(`port must be a string or a number, not ${kind(spec)}`, PORT_SHAPES_HINT);
  if (spec === '') return fail('port is empty', PORT_SHAPES_HINT);

  const parts = spec.split(':');
  let ipText = '';
  let hostText = '';
  let containerText: string;
  if (parts.length === 1) {
    containerText = spec;
  } else if (parts.length === 2) {
    hostText = parts[0] ?? '';
    containerText = parts[1] ?? '';
  } else {
    ipText = parts.slice(0, -2).join(':');
    hostText = parts[parts.length - 2] ?? '';
    containerText = parts[parts.length - 1] ?? '';
  }

  const slash = containerText.indexOf('/');
  let protoText = '';
  if (slash >= 0) {
    protoText = containerText.slice(slash + 1);
    containerText = containerText.slice(0, slash);
  }
  if (containerText === '') return fail(`no container port in ${JSON.stringify(spec)}`, PORT_SHAPES_HINT);
  const protocol = protoText === '' ? ok<Protocol>('tcp') : parseProtocol(protoText);
  if (!protocol.ok) return forward(protocol);

  let hostIp: string | undefined;
  if (ipText !== '') {
    const ip = parseHostIp(ipText);
    if (!ip.ok) return forward(ip);
    hostIp = ip.value;
  }

  const container = parsePortRange(containerText, 'container');
  if (!container.ok) return forward(container);
  const { start, end } = container.value;

  let host: PortRange | undefined;
  if (hostText !== '') {
    const h = parsePortRange(hostText, 'host');
    if (!h.ok) return forward(h);
    host = h.value;
    const containerSize = end - start + 1;
    const hostSize = host.end - host.start + 1;
    if (containerSize !== hostSize && containerSize !== 1) {
      return fail(
        `host ports ${hostText} (${hostSize}) do not match container ports ${containerText} (${containerSize})`,
        'give host and container ranges of the same size, or leave the host port out',
      );
    }
  }

  const count = end - start + 1;
  const out: PortConfig[] = [];
  for (let i = 0; i < count; i++) {
    const entry: PortConfig = { target: start + i, protocol: protocol.value, mode: 'ingress' };
    if (hostIp !== undefined) entry.host_ip = hostIp;
    if (host !== undefined) {
      entry.published =
        count === 1 && host.start !== host.end ? `${host.start}-${host.end}` : String(host.start + i);
    }
    out.push(entry);
  }
  return ok(out);
}

const PORT_LONG_KEYS = ['target', 'published', 'host_ip', 'protocol', 'mode', 'name', 'app_protocol'] as const;

/**
 * Long port syntax. `target` is required; `published` may be a number or a string port or
 * range; `protocol` defaults to tcp and `mode` to ingress, as compose-go's defaults do.
 */
export function normalizePortLong(obj: Record<string, unknown>): Parsed<PortConfig> {
  if (!isRecord(obj)) return fail(`port must be a string, a number or a mapping, not ${kind(obj)}`);
  const extra = unknownKeys(obj, PORT_LONG_KEYS);
  if (extra.length > 0) return unknownKeyFailure('port', extra, PORT_LONG_KEYS);

  const rawTarget = obj['target'];
  if (rawTarget === undefined || rawTarget === null) return fail('port has no target', 'add target: CONTAINER_PORT');
  const targetText = scalarText(rawTarget);
  if (targetText === undefined || typeof rawTarget === 'boolean') {
    return fail(`port target must be a number, not ${kind(rawTarget)}`, PORT_RANGE_HINT);
  }
  const target = parsePortNumber(targetText, 'container');
  if (!target.ok) return forward(target);

  const out: PortConfig = { target: target.value, protocol: 'tcp', mode: 'ingress' };

  const rawPublished = obj['published'];
  if (rawPublished !== undefined && rawPublished !== null && rawPublished !== '') {
    const text = scalarText(rawPublished);
    if (text === undefined || typeof rawPublished === 'boolean') {
      return fail(`published port must be a number or a string, not ${kind(rawPublished)}`, PORT_RANGE_HINT);
    }
    const range = parsePortRange(text, 'host');
    if (!range.ok) return forward(range);
    out.published =
      range.value.start === range.value.end ? String(range.value.start) : `${range.value.start}-${range.value.end}`;
  }

  const rawIp = obj['host_ip'];
  if (rawIp !== undefined && rawIp !== null && rawIp !== '') {
    if (typeof rawIp !== 'string') return fail(`host_ip must be a string, not ${kind(rawIp)}`);
    const ip = parseHostIp(rawIp);
    if (!ip.ok) return forward(ip);
    out.host_ip = ip.value;
  }

  const rawProtocol = obj['protocol'];
  if (rawProtocol !== undefined && rawProtocol !== null) {
    if (typeof rawProtocol !== 'string') return fail(`protocol must be a string, not ${kind(rawProtocol)}`);
    const p = parseProtocol(rawProtocol);
    if (!p.ok) return forward(p);
    out.protocol = p.value;
  }

  const rawMode = obj['mode'];
  if (rawMode !== undefined && rawMode !== null) {
    if (rawMode !== 'host' && rawMode !== 'ingress') {
      return fail(`port mode ${show(rawMode)} is not host or ingress`, 'use mode: host or mode: ingress');
    }
    out.mode = rawMode;
  }

  for (const key of ['name', 'app_protocol'] as const) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return fail(`port ${key} must be a string, not ${kind(v)}`);
    out[key] = v;
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------------------

export interface PathContext {
  /** Absolute project directory: relative bind sources are resolved against it. */
  projectDir: string;
  /** Absolute home directory: `~` is resolved against it. */
  homeDir: string;
  /** Relative and `~` bind sources kept as written (`config --no-path-resolution`). */
  keepRelative?: boolean;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VOLUME_NAME_HINT =
  'a volume name starts with a letter or digit and has only letters, digits, "_", "." and "-"; start a host path with ./, / or ~';
const PROPAGATIONS = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'] as const;
const CONSISTENCIES = ['consistent', 'cached', 'delegated'] as const;

/**
 * `C:\data`: a Windows drive path. Differs from compose-go (any letter and colon): the colon
 * must be followed by a backslash, so `a:/data` stays the volume `a` at `/data`.
 */
function isWindowsPath(p: string): boolean {
  return /^\p{L}:\\/u.test(p);
}

/** A source is a host path when it starts with `.`, `/`, `~`, `\\` or a drive (compose-go `isFilePath`). */
function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~') || source.startsWith('\\\\') || isWindowsPath(source);
}

/**
 * The colon-separated fields of a short volume spec, as compose-go's ParseVolume splits them:
 * a colon after a single letter that starts a field, before a backslash, is a Windows drive
 * (`C:\data`), not a separator.
 */
function volumeFields(spec: string): string[] {
  const fields: string[] = [];
  let buf = '';
  const chars = [...spec];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === ':' && chars[i + 1] === '\\' && [...buf].length === 1 && /^\p{L}$/u.test(buf)) buf += ch;
    else if (ch === ':') {
      fields.push(buf);
      buf = '';
    } else buf += ch;
  }
  fields.push(buf);
  return fields;
}

function resolveHostPath(source: string, ctx: PathContext): Parsed<string> {
  if (ctx.keepRelative && !source.startsWith('/') && !isWindowsPath(source) && !source.startsWith('\\\\')) return ok(source);
  let abs: string;
  if (source.startsWith('~')) {
    if (source !== '~' && !source.startsWith('~/')) {
      return fail(`host path ${JSON.stringify(source)} uses ~user, which is not supported`, 'write the absolute path of that home directory');
    }
    if (!path.isAbsolute(ctx.homeDir)) return fail(`home directory ${JSON.stringify(ctx.homeDir)} is not absolute`);
    abs = path.join(ctx.homeDir, source.slice(1));
  } else if (source.startsWith('/')) {
    abs = source;
  } else if (isWindowsPath(source) || source.startsWith('\\\\')) {
    // A Windows path (for an engine on Windows): absolute already, kept as written.
    return ok(source);
  } else {
    if (!path.isAbsolute(ctx.projectDir)) return fail(`project directory ${JSON.stringify(ctx.projectDir)} is not absolute`);
    abs = path.join(ctx.projectDir, source);
  }
  abs = path.normalize(abs);
  if (abs.length > 1 && abs.endsWith('/')) abs = abs.slice(0, -1);
  return ok(abs);
}

function checkTarget(target: string): Parsed<string> {
  if (target === '') return fail('volume target is empty', 'give the absolute path inside the container, e.g. /data');
  if (!target.startsWith('/') && !isWindowsPath(target) && !target.startsWith('\\\\')) {
    return fail(`volume target ${JSON.stringify(target)} is not an absolute path`, `use the absolute path inside the container, e.g. /${target.replace(/^\.?\/*/, '')}`);
  }
  return ok(target);
}

function checkVolumeName(name: string): Parsed<string> {
  if (!VOLUME_NAME.test(name)) return fail(`volume name ${JSON.stringify(name)} is not valid`, VOLUME_NAME_HINT);
  return ok(name);
}

/**
 * Short volume syntax `[SOURCE:]TARGET[:OPTIONS]`, as compose-go `format.ParseVolume` reads it
 * (a drive letter's colon is not a separator: `C:\data:/data`). A source starting with `.`, `/`
 * or `~` is a bind mount, resolved to an absolute normalized path (a Windows path `C:\data`
 * or `\\host\share` is kept as written), with `bind.create_host_path: true` (compose's legacy default
 * for the short syntax); any other source is a named volume; no source is an anonymous
 * volume. Volumes get `volume: {}` like compose-go. Options, comma-separated: ro, rw, nocopy,
 * z, Z, a propagation (rprivate, private, rshared, shared, rslave, slave) or a consistency
 * (consistent, cached, delegated). Like compose-go, an option that does not apply to the
 * mount type is kept in the model (compose warns and ignores it when it creates the mount).
 *
 * Differs from compose: an unknown option is an error (compose-go ignores it silently, so a
 * typo like `:r0` mounts read-write), and the target must be absolute.
 */
export function parseVolume(spec: string, ctx: PathContext): Parsed<ServiceVolume> {
  if (typeof spec !== 'string') return fail(`volume must be a string or a mapping, not ${kind(spec)}`);
  if (spec === '') return fail('volume is empty', 'write [SOURCE:]TARGET[:OPTIONS], e.g. ./data:/data:ro');
  const parts = volumeFields(spec);
  if (parts.length > 3) {
    return fail(`volume ${JSON.stringify(spec)} has too many colons`, 'write [SOURCE:]TARGET[:OPTIONS], or use the long syntax');
  }
  if (parts.some((p) => p === '')) {
    return fail(`volume ${JSON.stringify(spec)} has an empty section between colons`, 'write [SOURCE:]TARGET[:OPTIONS], e.g. ./data:/data:ro');
  }
  const source = parts.length === 1 ? undefined : parts[0];
  const targetText = parts.length === 1 ? (parts[0] ?? '') : (parts[1] ?? '');
  const options = parts.length === 3 ? (parts[2] ?? '').split(',') : [];

  const target = checkTarget(targetText);
  if (!target.ok) return forward(target);

  let volume: ServiceVolume;
  if (source !== undefined && isHostPath(source)) {
    const abs = resolveHostPath(source, ctx);
    if (!abs.ok) return forward(abs);
    volume = { type: 'bind', source: abs.value, target: target.value, bind: { create_host_path: true } };
  } else {
    volume = { type: 'volume', target: target.value, volume: {} };
    if (source !== undefined) {
      const name = checkVolumeName(source);
      if (!name.ok) return forward(name);
      volume.source = name.value;
    }
  }

  for (const option of options) {
    if (option === 'ro') volume.read_only = true;
    else if (option === 'rw') delete volume.read_only;
    else if (option === 'nocopy') volume.volume = { ...volume.volume, nocopy: true };
    else if (option === 'z' || option === 'Z') volume.bind = { ...volume.bind, selinux: option };
    else if ((PROPAGATIONS as readonly string[]).includes(option)) volume.bind = { ...volume.bind, propagation: option };
    else if ((CONSISTENCIES as readonly string[]).includes(option)) volume.consistency = option;
    else {
      return fail(
        `volume option ${JSON.stringify(option)} in ${JSON.stringify(spec)} is unknown`,
        `use ro, rw, nocopy, z, Z, ${PROPAGATIONS.join(', ')}`,
      );
    }
  }
  return ok(volume);
}

const VOLUME_TYPES: readonly VolumeType[] = ['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'];
const VOLUME_LONG_KEYS = ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image'] as const;
const BIND_KEYS = ['propagation', 'create_host_path', 'selinux', 'recursive'] as const;
const VOLUME_OPT_KEYS = ['nocopy', 'subpath', 'labels'] as const;
const TMPFS_KEYS = ['size', 'mode'] as const;
const IMAGE_KEYS = ['subpath'] as const;

function optionalBool(v: unknown, what: string): Parsed<boolean | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v === 'boolean') return ok(v);
  return fail(`${what} must be true or false, not ${show(v)}`);
}

function optionalString(v: unknown, what: string): Parsed<string | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v === 'string') return ok(v);
  return fail(`${what} must be a string, not ${kind(v)}`);
}

function subMapping(obj: Record<string, unknown>, key: string, known: readonly string[]): Parsed<Record<string, unknown> | undefined> {
  const v = obj[key];
  if (v === undefined || v === null) return ok(undefined);
  if (!isRecord(v)) return fail(`volume ${key} must be a mapping, not ${kind(v)}`);
  const extra = unknownKeys(v, known);
  if (extra.length > 0) return unknownKeyFailure(`volume ${key}`, extra, known);
  return ok(v);
}

/**
 * Long volume syntax. Bind sources are resolved like the short syntax. `create_host_path`
 * defaults to true for every bind, with or without a `bind:` key: compose-go fills it in
 * when `bind:` is present, and docker compose also creates the host path when `bind:` is
 * absent (it falls back to the legacy Binds API), so true is what compose does either way.
 */
export function normalizeVolumeLong(obj: Record<string, unknown>, ctx: PathContext): Parsed<ServiceVolume> {
  if (!isRecord(obj)) return fail(`volume must be a string or a mapping, not ${kind(obj)}`);
  const extra = unknownKeys(obj, VOLUME_LONG_KEYS);
  if (extra.length > 0) return unknownKeyFailure('volume', extra, VOLUME_LONG_KEYS);

  const rawType = obj['type'];
  if (rawType === undefined || rawType === null) {
    return fail('volume has no type', `add type: one of ${VOLUME_TYPES.join(', ')}`);
  }
  if (typeof rawType !== 'string' || !(VOLUME_TYPES as readonly string[]).includes(rawType)) {
    return fail(`volume type ${show(rawType)} is unknown`, `use one of ${VOLUME_TYPES.join(', ')}`);
  }
  const type = rawType as VolumeType;

  const rawTarget = obj['target'];
  if (rawTarget === undefined || rawTarget === null) return fail('volume has no target', 'add target: /path/in/container');
  if (typeof rawTarget !== 'string') return fail(`volume target must be a string, not ${kind(rawTarget)}`);
  const target = checkTarget(rawTarget);
  if (!target.ok) return forward(target);
  const out: ServiceVolume = { type, target: target.value };

  const rawSource = optionalString(obj['source'], 'volume source');
  if (!rawSource.ok) return forward(rawSource);
  const source = rawSource.value === '' ? undefined : rawSource.value;
  switch (type) {
    case 'bind': {
      if (source === undefined) return fail('bind mount has no source', 'add source: ./path/on/host');
      const abs = resolveHostPath(source, ctx);
      if (!abs.ok) return forward(abs);
      out.source = abs.value;
      break;
    }
    case 'volume':
      if (source !== undefined) {
        const name = checkVolumeName(source);
        if (!name.ok) return forward(name);
        out.source = name.value;
      }
      break;
    case 'tmpfs':
      if (source !== undefined) return fail(`tmpfs mount has a source (${JSON.stringify(source)})`, 'remove source: a tmpfs has none');
      break;
    case 'image':
      if (source === undefined) return fail('image mount has no source', 'add source: IMAGE');
      out.source = source;
      break;
    default:
      if (source !== undefined) out.source = source;
  }

  const readOnly = optionalBool(obj['read_only'], 'read_only');
  if (!readOnly.ok) return forward(readOnly);
  if (readOnly.value === true) out.read_only = true;

  const consistency = optionalString(obj['consistency'], 'consistency');
  if (!consistency.ok) return forward(consistency);
  if (consistency.value !== undefined) out.consistency = consistency.value;

  const bind = subMapping(obj, 'bind', BIND_KEYS);
  if (!bind.ok) return forward(bind);
  if (bind.value !== undefined || type === 'bind') {
    const b = bind.value ?? {};
    const outBind: NonNullable<ServiceVolume['bind']> = {};
    const propagation = b['propagation'];
    if (propagation !== undefined && propagation !== null) {
      if (typeof propagation !== 'string' || !(PROPAGATIONS as readonly string[]).includes(propagation)) {
        return fail(`bind propagation ${show(propagation)} is unknown`, `use one of ${PROPAGATIONS.join(', ')}`);
      }
      outBind.propagation = propagation;
    }
    if (b['recursive'] !== undefined) {
      return fail('bind.recursive is not supported by tsfig', 'remove it (read-only bind mounts are recursive by default)');
    }
    const create = optionalBool(b['create_host_path'], 'bind.create_host_path');
    if (!create.ok) return forward(create);
    outBind.create_host_path = create.value ?? true;
    const selinux = b['selinux'];
    if (selinux !== undefined && selinux !== null) {
      if (selinux !== 'z' && selinux !== 'Z') return fail(`bind selinux ${show(selinux)} is not z or Z`, 'use selinux: z (shared) or selinux: Z (private)');
      outBind.selinux = selinux;
    }
    out.bind = outBind;
  }

  const vol = subMapping(obj, 'volume', VOLUME_OPT_KEYS);
  if (!vol.ok) return forward(vol);
  if (vol.value !== undefined || type === 'volume') {
    const v = vol.value ?? {};
    const outVol: NonNullable<ServiceVolume['volume']> = {};
    if (v['labels'] !== undefined) {
      return fail('volume.labels is not supported by tsfig', 'put the labels on the volume under the top-level volumes: key');
    }
    const nocopy = optionalBool(v['nocopy'], 'volume.nocopy');
    if (!nocopy.ok) return forward(nocopy);
    if (nocopy.value === true) outVol.nocopy = true;
    const subpath = optionalString(v['subpath'], 'volume.subpath');
    if (!subpath.ok) return forward(subpath);
    if (subpath.value !== undefined) outVol.subpath = subpath.value;
    out.volume = outVol;
  }

  const tmpfs = subMapping(obj, 'tmpfs', TMPFS_KEYS);
  if (!tmpfs.ok) return forward(tmpfs);
  if (tmpfs.value !== undefined) {
    const t = tmpfs.value;
    const outTmpfs: NonNullable<ServiceVolume['tmpfs']> = {};
    const size = t['size'];
    if (size !== undefined && size !== null) {
      if (typeof size !== 'string' && typeof size !== 'number') return fail(`tmpfs size must be a number or a size string, not ${kind(size)}`);
      const bytes = parseBytes(size);
      if (!bytes.ok) return forward(bytes);
      outTmpfs.size = bytes.value;
    }
    const mode = t['mode'];
    if (mode !== undefined && mode !== null) {
      // A number is taken as written (YAML 1.2 reads 0o1777 as octal, 1777 as decimal);
      // a string is octal, as compose-go's FileMode reads it.
      let m: number;
      if (typeof mode === 'number') m = mode;
      else if (typeof mode === 'string' && /^0?[0-7]+$/.test(mode)) m = parseInt(mode, 8);
      else return fail(`tmpfs mode ${show(mode)} is not an octal file mode`, 'write a mode like "1777"');
      if (!Number.isInteger(m) || m < 0 || m > 0o7777) return fail(`tmpfs mode ${show(mode)} is out of range 0-07777`);
      outTmpfs.mode = m;
    }
    out.tmpfs = outTmpfs;
  }

  const image = subMapping(obj, 'image', IMAGE_KEYS);
  if (!image.ok) return forward(image);
  if (image.value !== undefined) {
    const subpath = optionalString(image.value['subpath'], 'image.subpath');
    if (!subpath.ok) return forward(subpath);
    out.image = subpath.value === undefined ? {} : { subpath: subpath.value };
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------
// Environment, labels, sysctls
// ---------------------------------------------------------------------------------------

/**
 * `environment` (and `build.args`) as a list `["A=1", "B", "C="]` or a mapping
 * `{A: 1, B: null, C: true}`. A bare key (`B` in a list, `B:` / `B: null` in a mapping) takes
 * its value from `lookup` and stays `null` when the variable is unset, as compose keeps it.
 * Numbers and booleans become strings; `rawText(key)` may give the YAML source text of a
 * mapping value so `1.10` stays "1.10" and `0x1F` stays "0x1F".
 */
export function parseEnvironment(
  env: unknown,
  lookup: (k: string) => string | undefined,
  rawText?: (key: string) => string | undefined,
): Parsed<Record<string, string | null>> {
  const out: Record<string, string | null> = dict();
  if (env === undefined || env === null) return ok(out);
  const resolve = (key: string): string | null => lookup(key) ?? null;
  if (Array.isArray(env)) {
    for (const item of env) {
      const text = scalarText(item);
      if (text === undefined) {
        return fail(`environment entry ${show(item)} is ${kind(item)}, not a string`, 'write KEY=VALUE');
      }
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      if (key === '') return fail(`environment entry ${JSON.stringify(text)} has no variable name`, 'write KEY=VALUE');
      out[key] = eq < 0 ? resolve(key) : text.slice(eq + 1);
    }
    return ok(out);
  }
  if (isRecord(env)) {
    for (const [key, value] of Object.entries(env)) {
      if (key === '') return fail('environment has an empty variable name', 'give every variable a name');
      if (value === null || value === undefined) {
        out[key] = resolve(key);
      } else if (typeof value === 'string') {
        out[key] = value;
      } else {
        const text = scalarText(value);
        if (text === undefined) {
          return fail(`environment variable ${key} is ${kind(value)}, not a string, number or boolean`, 'quote the value');
        }
        out[key] = rawText?.(key) ?? text;
      }
    }
    return ok(out);
  }
  return fail(`environment must be a list or a mapping, not ${kind(env)}`, 'write a list of KEY=VALUE or a mapping KEY: VALUE');
}

function parseStringMap(
  v: unknown,
  what: string,
  bareValue: (entry: string) => Parsed<string>,
  rawText?: (key: string) => string | undefined,
): Parsed<Record<string, string>> {
  const out: Record<string, string> = dict();
  if (v === undefined || v === null) return ok(out);
  if (Array.isArray(v)) {
    for (const item of v) {
      const text = scalarText(item);
      if (text === undefined) return fail(`${what} entry ${show(item)} is ${kind(item)}, not a string`, 'write KEY=VALUE');
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      if (key === '') return fail(`${what} entry ${JSON.stringify(text)} has no name`, 'write KEY=VALUE');
      if (eq < 0) {
        const value = bareValue(text);
        if (!value.ok) return forward(value);
        out[key] = value.value;
      } else {
        out[key] = text.slice(eq + 1);
      }
    }
    return ok(out);
  }
  if (isRecord(v)) {
    for (const [key, value] of Object.entries(v)) {
      if (key === '') return fail(`${what} has an empty name`, 'give every entry a name');
      if (value === null || value === undefined) {
        out[key] = '';
      } else if (typeof value === 'string') {
        out[key] = value;
      } else {
        const text = scalarText(value);
        if (text === undefined) return fail(`${what} ${key} is ${kind(value)}, not a string, number or boolean`, 'quote the value');
        out[key] = rawText?.(key) ?? text;
      }
    }
    return ok(out);
  }
  return fail(`${what} must be a list or a mapping, not ${kind(v)}`, 'write a list of KEY=VALUE or a mapping KEY: VALUE');
}

/** `labels` as a list `"a=b"` or a mapping; a bare key or a null value is the empty string (compose-go). */
export function parseLabels(v: unknown, rawText?: (key: string) => string | undefined): Parsed<Record<string, string>> {
  return parseStringMap(v, 'label', () => ok(''), rawText);
}

/**
 * `sysctls` as a list `"a=b"` or a mapping, to a mapping of strings.
 * Differs from compose: a list entry without `=` is an error (compose-go gives it the value
 * "", which the engine then rejects).
 */
export function parseSysctls(v: unknown, rawText?: (key: string) => string | undefined): Parsed<Record<string, string>> {
  return parseStringMap(
    v,
    'sysctl',
    (entry) => fail(`sysctl ${JSON.stringify(entry)} has no value`, `write ${entry}=VALUE`),
    rawText,
  );
}

// ---------------------------------------------------------------------------------------
// Links and depends_on
// ---------------------------------------------------------------------------------------

/** `links` entry: `service` or `service:alias`. */
export function parseLink(spec: string): Parsed<ServiceLink> {
  if (typeof spec !== 'string') return fail(`link must be a string, not ${kind(spec)}`, 'write SERVICE or SERVICE:ALIAS');
  const parts = spec.split(':');
  if (parts.length > 2) return fail(`link ${JSON.stringify(spec)} has more than one colon`, 'write SERVICE or SERVICE:ALIAS');
  const service = parts[0] ?? '';
  const alias = parts.length === 2 ? (parts[1] ?? '') : service;
  if (service === '') return fail(`link ${JSON.stringify(spec)} has no service name`, 'write SERVICE or SERVICE:ALIAS');
  if (alias === '') return fail(`link ${JSON.stringify(spec)} has an empty alias`, `write ${service} or ${service}:ALIAS`);
  return ok({ service, alias });
}

const CONDITIONS: readonly DependsOnCondition[] = ['service_started', 'service_healthy', 'service_completed_successfully'];
const DEPENDS_KEYS = ['condition', 'restart', 'required'] as const;

/**
 * `depends_on` as a list of service names (condition service_started, required true) or a
 * mapping of name to `{condition (default service_started), restart, required (default true)}`.
 */
export function parseDependsOn(v: unknown): Parsed<Record<string, DependsOn>> {
  const out: Record<string, DependsOn> = dict();
  if (v === undefined || v === null) return ok(out);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item !== 'string' || item === '') {
        return fail(`depends_on entry ${show(item)} is not a service name`, 'write a list of service names');
      }
      if (hasKey(out, item)) return fail(`depends_on lists ${item} twice`, 'list each service once');
      out[item] = { condition: 'service_started', required: true };
    }
    return ok(out);
  }
  if (isRecord(v)) {
    for (const [name, dep] of Object.entries(v)) {
      if (name === '') return fail('depends_on has an empty service name');
      if (dep !== null && dep !== undefined && !isRecord(dep)) {
        return fail(`depends_on ${name} must be a mapping, not ${kind(dep)}`, 'write condition: service_healthy (or leave it empty)');
      }
      const d = dep ?? {};
      const extra = unknownKeys(d, DEPENDS_KEYS);
      if (extra.length > 0) return unknownKeyFailure(`depends_on ${name}`, extra, DEPENDS_KEYS);
      const entry: DependsOn = { condition: 'service_started', required: true };
      const condition = d['condition'];
      if (condition !== undefined && condition !== null) {
        if (typeof condition !== 'string' || !(CONDITIONS as readonly string[]).includes(condition)) {
          return fail(`depends_on ${name}: condition ${show(condition)} is unknown`, `use one of ${CONDITIONS.join(', ')}`);
        }
        entry.condition = condition as DependsOnCondition;
      }
      const restart = optionalBool(d['restart'], `depends_on ${name}: restart`);
      if (!restart.ok) return forward(restart);
      if (restart.value !== undefined) entry.restart = restart.value;
      const required = optionalBool(d['required'], `depends_on ${name}: required`);
      if (!required.ok) return forward(required);
      if (required.value !== undefined) entry.required = required.value;
      out[name] = entry;
    }
    return ok(out);
  }
  return fail(`depends_on must be a list or a mapping, not ${kind(v)}`, 'write a list of service names');
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

const COMMAND_HINT = 'use the list form, e.g. ["sh", "-c", "..."]';

/**
 * Splits a command string into words like mattn/go-shellwords (what compose-go uses):
 * whitespace separates words; single quotes are literal; double quotes group, and inside them
 * a backslash escapes any character; outside single quotes `\t` and `\n` become tab and
 * newline, `\x` becomes x; backticks and `$(...)` are kept literally as part of a word; no
 * expansion of any kind.
 *
 * Differs from compose: an unquoted `;`, `&`, `|`, `<` or `>` is an error. go-shellwords
 * stops there and compose silently drops the rest of the command, so `echo a && echo b` runs
 * `echo a`; the hint says to use `sh -c`.
 */
function splitShellWords(line: string, noun: string): Parsed<string[]> {
  const args: string[] = [];
  let buf = '';
  let got: 'no' | 'single' | 'quoted' = 'no';
  let escaped = false;
  let dq = false;
  let sq = false;
  let bq = false;
  let dollar = false;
  for (const c of line) {
    if (escaped) {
      buf += c === 't' ? '\t' : c === 'n' ? '\n' : c;
      escaped = false;
      got = 'single';
      continue;
    }
    if (c === '\\') {
      if (sq) buf += c;
      else escaped = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (sq || dq || bq || dollar) {
        buf += c;
      } else if (got !== 'no') {
        args.push(buf);
        buf = '';
        got = 'no';
      }
      continue;
    }
    switch (c) {
      case '`':
        if (!sq && !dq && !dollar) bq = !bq;
        break;
      case '(':
        if (!sq && !dq && !bq) {
          if (!dollar && buf.endsWith('$')) {
            dollar = true;
            buf += c;
            continue;
          }
          return fail(`${noun} ${JSON.stringify(line)} has an unquoted "("`, `quote it, or ${COMMAND_HINT}`);
        }
        break;
      case ')':
        if (!sq && !dq && !bq) {
          if (!dollar) return fail(`${noun} ${JSON.stringify(line)} has an unquoted ")"`, `quote it, or ${COMMAND_HINT}`);
          dollar = false;
        }
        break;
      case '"':
        if (!sq && !dollar) {
          if (dq) got = 'quoted';
          dq = !dq;
          continue;
        }
        break;
      case "'":
        if (!dq && !dollar) {
          if (sq) got = 'quoted';
          sq = !sq;
          continue;
        }
        break;
      case ';':
      case '&':
      case '|':
      case '<':
      case '>':
        if (!sq && !dq && !bq && !dollar) {
          return fail(
            `${noun} ${JSON.stringify(line)} has the shell operator "${c}", but it is not run by a shell`,
            `use ["sh", "-c", ${JSON.stringify(line)}], or quote the "${c}" to pass it as an argument`,
          );
        }
        break;
    }
    got = 'single';
    buf += c;
  }
  if (got !== 'no') args.push(buf);
  if (escaped) return fail(`${noun} ${JSON.stringify(line)} ends with a lone backslash`, 'remove it or write \\\\');
  if (sq) return fail(`${noun} ${JSON.stringify(line)} has an unterminated ' quote`, `close the quote, or ${COMMAND_HINT}`);
  if (dq) return fail(`${noun} ${JSON.stringify(line)} has an unterminated " quote`, `close the quote, or ${COMMAND_HINT}`);
  if (bq) return fail(`${noun} ${JSON.stringify(line)} has an unterminated backtick`, `close it, or ${COMMAND_HINT}`);
  if (dollar) return fail(`${noun} ${JSON.stringify(line)} has an unterminated "$("`, `close it, or ${COMMAND_HINT}`);
  return ok(args);
}

/**
 * `command` / `entrypoint`: a string is split like a shell (see splitShellWords), a list is
 * kept (numbers and booleans as strings), null stays null (= use the image's).
 * `isEntrypoint` only changes the wording of problems ("entrypoint ..." instead of "command ...").
 *
 * An empty string or an empty list gives `[]`, as compose-go does, and means "clear the
 * image's value". The engine layer must then send `Entrypoint: []` (not leave it out): the
 * daemon only falls back to the image's entrypoint when the field is null, so an empty array
 * clears it, just as `docker run --entrypoint ""` does with `[""]`. For `command`, an empty
 * Cmd with no entrypoint makes the daemon use the image's CMD anyway.
 */
export function parseCommand(v: unknown, isEntrypoint = false): Parsed<string[] | null> {
  const noun = isEntrypoint ? 'entrypoint' : 'command';
  if (v === null || v === undefined) return ok(null);
  if (typeof v === 'string') return splitShellWords(v, noun);
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      const text = scalarText(item);
      if (text === undefined) return fail(`${noun} entry ${show(item)} is ${kind(item)}, not a string`, 'write every argument as a string');
      out.push(text);
    }
    return ok(out);
  }
  return fail(`${noun} must be a string or a list, not ${kind(v)}`, COMMAND_HINT);
}

// ---------------------------------------------------------------------------------------
// Healthcheck
// ---------------------------------------------------------------------------------------

const HEALTH_KEYS = ['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'] as const;
const HEALTH_DURATIONS = ['interval', 'timeout', 'start_period', 'start_interval'] as const;

/**
 * `healthcheck`. `test` as a string is `["CMD-SHELL", string]`; a list must start with NONE,
 * CMD or CMD-SHELL (compose-go's check). Durations are nanoseconds, `retries` a whole number.
 *
 * Disabling: `disable: true`, or `test: ["NONE"]`, both give exactly
 * `{ test: ["NONE"], disable: true }` (the other keys dropped), which is what docker compose
 * sends the engine for either. `disable: true` together with another test is an error.
 */
export function parseHealthcheck(v: Record<string, unknown>): Parsed<Healthcheck> {
  if (!isRecord(v)) return fail(`healthcheck must be a mapping, not ${kind(v)}`);
  const extra = unknownKeys(v, HEALTH_KEYS);
  if (extra.length > 0) return unknownKeyFailure('healthcheck', extra, HEALTH_KEYS);
  const out: Healthcheck = {};

  const rawTest = v['test'];
  if (rawTest !== undefined && rawTest !== null) {
    if (typeof rawTest === 'string') {
      if (rawTest.trim() === '') return fail('healthcheck test is empty', 'give a shell command, or use disable: true');
      out.test = ['CMD-SHELL', rawTest];
    } else if (Array.isArray(rawTest)) {
      const test: string[] = [];
      for (const item of rawTest) {
        const text = scalarText(item);
        if (text === undefined) return fail(`healthcheck test entry ${show(item)} is ${kind(item)}, not a string`);
        test.push(text);
      }
      const first = test[0];
      if (first !== undefined) {
        if (first !== 'NONE' && first !== 'CMD' && first !== 'CMD-SHELL') {
          return fail(
            `healthcheck test starts with ${JSON.stringify(first)}, not NONE, CMD or CMD-SHELL`,
            `write ["CMD", ${test.map((t) => JSON.stringify(t)).join(', ')}] or a plain string for a shell command`,
          );
        }
        if (first === 'NONE' && test.length > 1) return fail('healthcheck test ["NONE", ...] has extra entries', 'write ["NONE"] alone');
        if (first !== 'NONE' && test.length === 1) return fail(`healthcheck test ["${first}"] has no command`, `write ["${first}", "command", ...]`);
        out.test = test;
      }
    } else {
      return fail(`healthcheck test must be a string or a list, not ${kind(rawTest)}`);
    }
  }

  const disable = optionalBool(v['disable'], 'healthcheck disable');
  if (!disable.ok) return forward(disable);
  if (disable.value === true && out.test !== undefined && out.test[0] !== 'NONE') {
    return fail('healthcheck has disable: true and a test', 'remove the test, or remove disable: true');
  }
  if (disable.value === true || out.test?.[0] === 'NONE') return ok({ test: ['NONE'], disable: true });

  for (const key of HEALTH_DURATIONS) {
    const raw = v[key];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string' && typeof raw !== 'number') return fail(`healthcheck ${key} must be a duration, not ${kind(raw)}`, DURATION_HINT);
    const d = parseDuration(raw);
    if (!d.ok) return fail(`healthcheck ${key}: ${d.error}`, d.hint);
    out[key] = d.value;
  }

  const retries = v['retries'];
  if (retries !== undefined && retries !== null) {
    const n = typeof retries === 'string' && /^\d+$/.test(retries) ? Number(retries) : retries;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      return fail(`healthcheck retries ${show(retries)} is not a whole number`, 'write retries: 3');
    }
    out.retries = n;
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------
// extra_hosts, ulimits, string lists
// ---------------------------------------------------------------------------------------

const EXTRA_HOSTS_HINT = 'write HOST:IP, HOST=IP or a mapping HOST: IP';

function hostEntries(host: string, ips: string[], out: string[]): Parsed<true> {
  if (host === '' || host.includes(':') || host.includes('=')) {
    return fail(`extra host name ${JSON.stringify(host)} is not valid`, EXTRA_HOSTS_HINT);
  }
  for (const raw of ips) {
    const ip = raw.length > 2 && raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
    if (ip === '') return fail(`extra host ${JSON.stringify(host)} has no IP address`, EXTRA_HOSTS_HINT);
    if (ip !== 'host-gateway' && isIP(ip) === 0) {
      return fail(`extra host ${JSON.stringify(host)}: ${JSON.stringify(raw)} is not an IP address`, 'use an IPv4 or IPv6 address, or host-gateway');
    }
    out.push(`${host}:${ip}`);
  }
  return ok(true);
}

/**
 * `extra_hosts` as a list (`host:ip`, `host=ip`; `=` is tried first, as compose-go does, and a
 * list entry may hold several IPs separated by commas) or a mapping (a value may be a list of
 * IPs). IPv6 brackets are stripped. The result uses the Docker engine's `ExtraHosts` format
 * `host:ip` (e.g. `myhost:::1`), not compose-go's `host=ip` rendering for `config` output;
 * entries keep the file's order.
 */
export function parseExtraHosts(v: unknown): Parsed<string[]> {
  const out: string[] = [];
  if (v === undefined || v === null) return ok(out);
  if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item !== 'string') return fail(`extra host ${show(item)} is ${kind(item)}, not a string`, EXTRA_HOSTS_HINT);
      const eq = item.indexOf('=');
      const sep = eq >= 0 ? eq : item.indexOf(':');
      if (sep < 0) return fail(`extra host ${JSON.stringify(item)} has no IP address`, EXTRA_HOSTS_HINT);
      const r = hostEntries(item.slice(0, sep), item.slice(sep + 1).split(','), out);
      if (!r.ok) return forward(r);
    }
    return ok(out);
  }
  if (isRecord(v)) {
    for (const [host, value] of Object.entries(v)) {
      let ips: string[];
      if (typeof value === 'string') ips = [value];
      else if (value === null || value === undefined) ips = [''];
      else if (Array.isArray(value) && value.every((x): x is string => typeof x === 'string')) ips = value;
      else return fail(`extra host ${JSON.stringify(host)} must map to an IP or a list of IPs, not ${kind(value)}`, EXTRA_HOSTS_HINT);
      const r = hostEntries(host, ips, out);
      if (!r.ok) return forward(r);
    }
    return ok(out);
  }
  return fail(`extra_hosts must be a list or a mapping, not ${kind(v)}`, EXTRA_HOSTS_HINT);
}

/** One ulimit in compose's canonical form: a single number (soft = hard) or both limits. */
export type Ulimit = number | { soft: number; hard: number };

/** The names the engine accepts (docker/go-units `ulimitNameMapping`). */
const ULIMIT_NAMES = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice',
  'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;

function ulimitNumber(v: unknown, what: string): Parsed<number> {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < -1) {
    return fail(`${what} ${show(v)} is not a whole number`, 'write a number, or -1 for unlimited');
  }
  return ok(n);
}

/** `ulimits`: a mapping of name to a number or `{soft, hard}` (soft must not exceed hard). */
export function parseUlimits(v: unknown): Parsed<Record<string, Ulimit>> {
  const out: Record<string, Ulimit> = dict();
  if (v === undefined || v === null) return ok(out);
  if (!isRecord(v)) return fail(`ulimits must be a mapping, not ${kind(v)}`, 'write e.g. nofile: {soft: 20000, hard: 40000}');
  for (const [name, value] of Object.entries(v)) {
    if (!(ULIMIT_NAMES as readonly string[]).includes(name)) {
      return fail(`ulimit ${JSON.stringify(name)} is unknown`, `use one of ${ULIMIT_NAMES.join(', ')}`);
    }
    if (isRecord(value)) {
      const extra = unknownKeys(value, ['soft', 'hard']);
      if (extra.length > 0) return unknownKeyFailure(`ulimit ${name}`, extra, ['soft', 'hard']);
      if (value['soft'] === undefined || value['hard'] === undefined) {
        return fail(`ulimit ${name} needs both soft and hard`, `write ${name}: {soft: N, hard: M}, or ${name}: N`);
      }
      const soft = ulimitNumber(value['soft'], `ulimit ${name} soft`);
      if (!soft.ok) return forward(soft);
      const hard = ulimitNumber(value['hard'], `ulimit ${name} hard`);
      if (!hard.ok) return forward(hard);
      const unlimited = (n: number): number => (n === -1 ? Infinity : n);
      if (unlimited(soft.value) > unlimited(hard.value)) {
        return fail(`ulimit ${name}: soft limit ${soft.value} is above hard limit ${hard.value}`, 'make soft at most hard');
      }
      out[name] = { soft: soft.value, hard: hard.value };
    } else {
      const single = ulimitNumber(value, `ulimit ${name}`);
      if (!single.ok) return forward(single);
      out[name] = single.value;
    }
  }
  return ok(out);
}

/**
 * A string or a list of strings, as a list (for dns, dns_search, dns_opt, tmpfs, env_file
 * paths). Numbers and booleans become strings; null or absent is an empty list.
 */
export function toStringList(v: unknown): Parsed<string[]> {
  if (v === undefined || v === null) return ok([]);
  const single = scalarText(v);
  if (single !== undefined) return ok([single]);
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      const text = scalarText(item);
      if (text === undefined) return fail(`list entry ${show(item)} is ${kind(item)}, not a string`);
      out.push(text);
    }
    return ok(out);
  }
  return fail(`expected a string or a list of strings, not ${kind(v)}`);
}
