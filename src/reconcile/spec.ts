/**
 * A normalized service -> the Engine API's container-create body: one pure mapping, key by
 * key, as `docker run` / docker compose v2 (`pkg/compose/create.go`) set each field. No engine
 * calls, no file system (a seccomp profile is read through `SpecInput.readFile`).
 *
 * Where tsfig deliberately differs from compose v2 (each one engine-true):
 * - Bind mounts: `create_host_path` true (the default) uses `HostConfig.Binds`
 *   (`src:dst:rw|ro[,z|Z][,propagation]`), so the engine creates a missing host path as
 *   `docker run -v` does; `create_host_path: false` uses a `Mount` of type bind, which fails when
 *   the path is missing. Compose uses a Mount as soon as `propagation` is set; Binds carry the
 *   propagation too and keep the host-path creation on every API version.
 * - `volumes_from` keeps its `:ro` / `:rw` mode (compose drops it when it resolves a service).
 * - Legacy links (`HostConfig.Links`) are set only on the engine's default bridge
 *   (`network_mode: bridge|default`), where the engine itself injects the link environment
 *   variables and /etc/hosts entries; on project networks links go on every endpoint
 *   (`EndpointConfig.Links`) and are DNS aliases. One container per link (`containerOf`);
 *   compose adds every replica, which the engine collapses to the first one anyway.
 * - `mem_swappiness: 0` is sent (compose cannot send 0); `oom_kill_disable` only when set.
 * - `deploy.restart_policy` applies only when `restart` is absent; its `condition` defaults to
 *   `any` (the specification's default; compose sends an empty policy).
 * - A null `environment` value is sent as a bare `KEY`, as compose does: the engine then
 *   removes KEY from the image's environment (verified on dockerd 20.10).
 *
 * Keys that are not part of the create body (handled elsewhere): build, container_name (the
 * caller's `containerName`), depends_on, deploy.replicas/mode/placement/update_config,
 * develop, env_file/label_file/log_driver/log_opt (folded by the loader), extends, host,
 * profiles, pull_policy, scale, attach, post_start/pre_stop (exec after start / before stop).
 */
import type { ContainerCreateBody, EndpointConfig, HostConfigBody } from '../engine/engine.js';
import type { DeviceRequestConfig, FileObjectConfig, ListOrDict, Project, Service, ServiceNetwork, ServiceVolume } from '../model/project.js';
import { parseBytes, parseDuration } from '../model/units.js';
import { dict } from '../model/dict.js';

export interface SpecInput {
  project: Project;
  service: Service;
  /** Replica number (1-based); 0 for one-off containers. */
  number: number;
  /**
   * The container's final name (network aliases use it, as compose does). For a recreate,
   * create under a temporary name and rename afterwards; pass the final name here.
   */
  containerName: string;
  /** The image reference to create from (service.image, or the default build name). */
  image: string;
  /** Labels tsfig adds (project, service, number, config-hash, version, ...): merged over service labels. */
  labels: Record<string, string>;
  /**
   * For `service:x` in network_mode / ipc / pid, for volumes_from `svc` and for links: the
   * container (name or id) of that service to join; undefined if none exists (an error for
   * network_mode / ipc / pid / volumes_from; a link to a service without a container is
   * skipped, as compose does).
   */
  containerOf: (service: string) => string | undefined;
  /**
   * Anonymous volumes to reuse, by container path (recreate keeps data): target -> engine
   * volume name. Every entry is mounted: a service anonymous volume at that target reuses it,
   * and any other entry (an image VOLUME) is mounted as a volume at its target unless the
   * service mounts something else there.
   */
  anonymousVolumes?: Record<string, string>;
  /** Engine API version (e.g. "1.41"), to refuse keys the engine cannot honour. Absent: refuse nothing. */
  apiVersion?: string;
  /**
   * Add the service name and the `aliases` of each network as DNS aliases. Default: true for
   * replicas (number > 0), false for one-off containers (compose's `run` without --use-aliases).
   */
  useAliases?: boolean;
  /** Reads a file (a `security_opt: seccomp=FILE` profile). Without it such a profile is a SpecError. */
  readFile?: (path: string) => string;
  /**
   * tsfig overlay networks (src/overlay/): the address and MAC tsfig allocated on each overlay
   * network (by engine network name), and the `/etc/hosts` entries (`name:ip`) that make the
   * other hosts' services resolve.
   */
  overlay?: { endpoints: Record<string, { ip: string; mac: string }>; extraHosts: string[] };
}

/** HostConfig fields tsfig sets beyond the typed subset of engine.ts. */
export interface SpecHostConfig extends HostConfigBody {
  Annotations?: Record<string, string>;
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number;
  OomKillDisable?: boolean;
  OomScoreAdj?: number;
  CpuShares?: number;
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpuRealtimeRuntime?: number;
  CpuRealtimePeriod?: number;
  CpusetCpus?: number | string;
  CpuCount?: number;
  CpuPercent?: number;
  PidsLimit?: number;
  ShmSize?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  Devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  DeviceCgroupRules?: string[];
  DeviceRequests?: DeviceRequest[];
  BlkioWeight?: number;
  BlkioWeightDevice?: Array<{ Path: string; Weight: number }>;
  BlkioDeviceReadBps?: ThrottleDevice[];
  BlkioDeviceWriteBps?: ThrottleDevice[];
  BlkioDeviceReadIOps?: ThrottleDevice[];
  BlkioDeviceWriteIOps?: ThrottleDevice[];
  CgroupParent?: string;
  SecurityOpt?: string[];
  MaskedPaths?: string[];
  ReadonlyPaths?: string[];
  ReadonlyRootfs?: boolean;
  Sysctls?: Record<string, string>;
  StorageOpt?: Record<string, string>;
  GroupAdd?: string[];
  IpcMode?: string;
  PidMode?: string;
  UTSMode?: string;
  UsernsMode?: string;
  CgroupnsMode?: string;
  Runtime?: string;
  Isolation?: string;
  VolumeDriver?: string;
}

export interface DeviceRequest {
  Driver?: string;
  Count?: number;
  DeviceIDs?: string[];
  Capabilities?: string[][];
  Options?: Record<string, string>;
}

export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

/** The create body tsfig sends: ContainerCreateBody plus the fields its typed subset lacks. */
export interface SpecBody extends ContainerCreateBody {
  /** Container-wide MAC address (before API 1.44; from 1.44 it goes on the main endpoint). */
  MacAddress?: string;
  Healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    Retries?: number;
    StartPeriod?: number;
    /** API >= 1.44. */
    StartInterval?: number;
  };
  HostConfig?: SpecHostConfig;
}

export interface ContainerSpec {
  name: string;
  body: SpecBody;
  /**
   * Networks to connect after create, in order (the engine takes one network at create before
   * API 1.44): engine network name -> endpoint config. The first network is in
   * body.NetworkingConfig; from API 1.44 every network is there and this list is empty.
   */
  extraNetworks: Array<{ network: string; config: EndpointConfig }>;
  /** The `platform` create query parameter (`os[/arch[/variant]]`). */
  platform?: string;
  /** Things the engine will not do although the file asks (e.g. secret uid/gid/mode). */
  warnings?: string[];
}

/**
 * Why a service cannot be made into a create body (a closed set, so callers and tests match on
 * the code, never on the English):
 * - `SPEC_API_VERSION`: the engine's API is older than the key needs;
 * - `SPEC_UNSUPPORTED`: tsfig does not do this key (yet), or not with this engine backend;
 * - `SPEC_NO_CONTAINER`: `service:x` (network_mode, ipc, pid, volumes_from) has no container to join;
 * - `SPEC_UNDEFINED_NETWORK` / `_VOLUME` / `_SECRET` / `_CONFIG`: a reference the project does not define;
 * - `SPEC_MISSING_SOURCE`: a mount, secret or config without a source or file;
 * - `SPEC_CONFLICT`: keys that cannot go together (two mounts at one target, links without a
 *   network, networks with network_mode, two MAC addresses, z/Z on a Mount);
 * - `SPEC_INVALID_DEVICE`: a device mapping or device request that does not parse;
 * - `SPEC_INVALID_VALUE`: another value kept as written that does not parse (sizes, rates, counts);
 * - `SPEC_SECCOMP_PROFILE`: a seccomp profile file that cannot be read.
 */
export type SpecErrorCode =
  | 'SPEC_API_VERSION'
  | 'SPEC_UNSUPPORTED'
  | 'SPEC_NO_CONTAINER'
  | 'SPEC_UNDEFINED_NETWORK'
  | 'SPEC_UNDEFINED_VOLUME'
  | 'SPEC_UNDEFINED_SECRET'
  | 'SPEC_UNDEFINED_CONFIG'
  | 'SPEC_MISSING_SOURCE'
  | 'SPEC_CONFLICT'
  | 'SPEC_INVALID_DEVICE'
  | 'SPEC_INVALID_VALUE'
  | 'SPEC_SECCOMP_PROFILE';

/** A service key the engine cannot be asked for: its code, the service and the key path (`volumes[0].bind.selinux`) it concerns. */
export class SpecError extends Error {
  constructor(
    readonly code: SpecErrorCode,
    readonly service: string,
    /** The key under the service, as a path: `networks.front.mac_address`, `devices[2]`. */
    readonly key: string,
    /** What is wrong, without the service and key. */
    readonly detail: string,
  ) {
    super(`service "${service}": ${key}: ${detail}`);
    this.name = 'SpecError';
  }
}

// ---------------------------------------------------------------------------------------
// Small helpers, for the values the loader keeps as written (numbers may still be strings)
// ---------------------------------------------------------------------------------------

function scalar(v: string | number | boolean | null | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** `list_or_dict` (`["a=b", "c"]` or `{a: b, c: null}`) -> a string map; null/bare is "". */
function stringMap(v: ListOrDict | Record<string, string | number> | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, string> = dict();
  if (Array.isArray(v)) {
    for (const s of v) {
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = '';
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  for (const [k, val] of Object.entries(v)) out[k] = scalar(val) ?? '';
  return out;
}

/** Logging options: a null value drops the key. */
function optionMap(v: Record<string, string | number | null> | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, string> = dict();
  for (const [k, val] of Object.entries(v)) {
    const s = scalar(val);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function num(v: number | string | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function bool(v: boolean | string | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** Compares Engine API versions `1.41` / `1.44`: negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const CDI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9.-]*\/[a-zA-Z0-9][a-zA-Z0-9._-]*=[a-zA-Z0-9_.:-]+$/;

// ---------------------------------------------------------------------------------------
// The mapping
// ---------------------------------------------------------------------------------------

class Builder {
  readonly svc: Service;
  readonly body: SpecBody;
  readonly host: SpecHostConfig = {};
  readonly warnings: string[] = [];
  extraNetworks: Array<{ network: string; config: EndpointConfig }> = [];

  constructor(readonly input: SpecInput) {
    this.svc = input.service;
    this.body = { Image: input.image };
  }

  fail(code: SpecErrorCode, key: string, message: string): never {
    throw new SpecError(code, this.svc.name, key, message);
  }

  /** Refuses `key` when the engine's API is older than `min`. */
  needs(key: string, min: string, what = key): void {
    const api = this.input.apiVersion;
    if (api !== undefined && compareApiVersions(api, min) < 0) {
      this.fail('SPEC_API_VERSION', key, `${what} needs Docker Engine API ${min} or newer; this engine speaks ${api}`);
    }
  }

  /** The engine takes every network at create (API >= 1.44)? Unknown: no (works everywhere). */
  get multiNetworkCreate(): boolean {
    const api = this.input.apiVersion;
    return api !== undefined && compareApiVersions(api, '1.44') >= 0;
  }

  resolveService(key: string, service: string): string {
    const c = this.input.containerOf(service);
    if (c === undefined || c === '') this.fail('SPEC_NO_CONTAINER', key, `service "${service}" has no container to join; start it first`);
    return c;
  }

  build(): ContainerSpec {
    this.unsupported();
    this.config();
    this.environment();
    this.ports();
    this.healthcheck();
    this.volumes();
    this.resources();
    this.hostSettings();
    this.restart();
    this.networking();
    if (Object.keys(this.host).length > 0) this.body.HostConfig = this.host;
    const spec: ContainerSpec = { name: this.input.containerName, body: this.body, extraNetworks: this.extraNetworks };
    const platform = this.svc.platform;
    if (platform !== undefined && platform !== '') {
      this.needs('platform', '1.41');
      spec.platform = platform;
    }
    if (this.warnings.length > 0) spec.warnings = this.warnings;
    return spec;
  }

  // ------------------------------------------------------------------ keys tsfig refuses

  unsupported(): void {
    const s = this.svc;
    if (s.credential_spec !== undefined) this.fail('SPEC_UNSUPPORTED', 'credential_spec', 'is for Windows containers and is not supported');
    if (bool(s.use_api_socket) === true) this.fail('SPEC_UNSUPPORTED', 'use_api_socket', 'is not supported yet');
    if (s.provider !== undefined) this.fail('SPEC_UNSUPPORTED', 'provider', 'provider services are not supported yet');
    const models = s.models;
    const hasModels = Array.isArray(models) ? models.length > 0 : models !== undefined && Object.keys(models).length > 0;
    if (hasModels) this.fail('SPEC_UNSUPPORTED', 'models', 'is not supported yet');
  }

  // ------------------------------------------------------------------ Config

  config(): void {
    const b = this.body;
    const s = this.svc;
    if (s.command !== undefined && s.command !== null) b.Cmd = [...s.command];
    // [] clears the image's entrypoint: the engine only falls back to it when the field is null.
    if (s.entrypoint !== undefined && s.entrypoint !== null) b.Entrypoint = [...s.entrypoint];
    const simple: Array<[string | undefined, 'WorkingDir' | 'User' | 'Hostname' | 'Domainname' | 'StopSignal']> = [
      [s.working_dir, 'WorkingDir'],
      [s.user, 'User'],
      [s.hostname, 'Hostname'],
      [s.domainname, 'Domainname'],
      [s.stop_signal, 'StopSignal'],
    ];
    for (const [v, field] of simple) if (v !== undefined && v !== '') b[field] = v;
    b.Labels = { ...s.labels, ...this.input.labels };
    if (s.tty !== undefined) b.Tty = s.tty;
    if (s.stdin_open !== undefined) b.OpenStdin = s.stdin_open;
    if (s.stop_grace_period !== undefined) b.StopTimeout = Math.trunc(s.stop_grace_period / 1e9);
  }

  environment(): void {
    const env: string[] = [];
    for (const [k, v] of Object.entries(this.svc.environment)) env.push(v === null ? k : `${k}=${v}`);
    if (env.length > 0) this.body.Env = env;
  }

  // ------------------------------------------------------------------ ports, expose

  ports(): void {
    const exposed: Record<string, Record<string, never>> = {};
    for (const raw of this.svc.expose) {
      for (const p of expandExpose(raw, (m) => this.fail('SPEC_INVALID_VALUE', 'expose', m))) exposed[p] = {};
    }
    const bindings: NonNullable<HostConfigBody['PortBindings']> = {};
    for (const p of this.svc.ports) {
      const key = `${p.target}/${p.protocol}`;
      exposed[key] = {};
      const binding: { HostIp?: string; HostPort?: string } = {};
      if (p.host_ip !== undefined && p.host_ip !== '') binding.HostIp = p.host_ip;
      binding.HostPort = p.published ?? '';
      (bindings[key] ??= []).push(binding);
    }
    if (Object.keys(exposed).length > 0) this.body.ExposedPorts = exposed;
    if (Object.keys(bindings).length > 0) this.host.PortBindings = bindings;
  }

  // ------------------------------------------------------------------ healthcheck

  healthcheck(): void {
    const h = this.svc.healthcheck;
    if (h === undefined) return;
    if (h.disable === true || h.test?.[0] === 'NONE') {
      this.body.Healthcheck = { Test: ['NONE'] };
      return;
    }
    const out: NonNullable<SpecBody['Healthcheck']> = {};
    if (h.test !== undefined && h.test.length > 0) out.Test = [...h.test];
    if (h.interval !== undefined) out.Interval = h.interval;
    if (h.timeout !== undefined) out.Timeout = h.timeout;
    if (h.retries !== undefined) out.Retries = h.retries;
    if (h.start_period !== undefined) out.StartPeriod = h.start_period;
    if (h.start_interval !== undefined) {
      this.needs('healthcheck.start_interval', '1.44');
      out.StartInterval = h.start_interval;
    }
    this.body.Healthcheck = out;
  }

  // ------------------------------------------------------------------ volumes, secrets, configs, tmpfs

  volumes(): void {
    const binds: string[] = [];
    const mounts: Array<Record<string, unknown>> = [];
    const targets = new Set<string>();
    const driver = this.svc.volume_driver;
    if (driver !== undefined && driver !== '') this.host.VolumeDriver = driver;

    this.svc.volumes.forEach((v, i) => {
      const key = `volumes[${i}]`;
      if (targets.has(v.target)) this.fail('SPEC_CONFLICT', key, `two volumes are mounted at ${v.target}`);
      targets.add(v.target);
      const bind = this.mountOf(v, key, driver);
      if (typeof bind === 'string') binds.push(bind);
      else mounts.push(bind);
    });

    for (const kind of ['secrets', 'configs'] as const) {
      for (const m of this.fileObjectMounts(kind)) {
        // A volume at the same target wins, as in compose.
        if (targets.has(m.target)) continue;
        targets.add(m.target);
        mounts.push({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: true });
      }
    }

    const tmpfs: Record<string, string> = {};
    for (const t of this.svc.tmpfs ?? []) {
      const colon = t.indexOf(':');
      const path = colon < 0 ? t : t.slice(0, colon);
      tmpfs[path] = colon < 0 ? '' : t.slice(colon + 1);
    }

    for (const [target, name] of Object.entries(this.input.anonymousVolumes ?? {})) {
      if (targets.has(target) || target in tmpfs) continue;
      targets.add(target);
      mounts.push({ Type: 'volume', Source: name, Target: target });
    }

    if (binds.length > 0) this.host.Binds = binds;
    if (mounts.length > 0) this.host.Mounts = mounts;
    if (Object.keys(tmpfs).length > 0) this.host.Tmpfs = tmpfs;

    const from: string[] = [];
    this.svc.volumes_from.forEach((spec) => {
      from.push(this.volumesFrom(spec));
    });
    if (from.length > 0) this.host.VolumesFrom = from;
  }

  /** One service volume: a Binds entry (string) or a Mount. */
  mountOf(v: ServiceVolume, key: string, driver: string | undefined): string | Record<string, unknown> {
    const readOnly = v.read_only === true;
    switch (v.type) {
      case 'bind': {
        if (v.source === undefined || v.source === '') this.fail('SPEC_MISSING_SOURCE', key, `bind mount at ${v.target} has no source`);
        if (v.volume?.nocopy === true || v.volume?.subpath !== undefined) this.warnings.push(`${key}: volume options do not apply to a bind mount; ignored`);
        if (v.bind?.create_host_path !== false) {
          // Binds: the engine creates a missing host path (docker run -v).
          const opts = [readOnly ? 'ro' : 'rw'];
          if (v.bind?.selinux !== undefined) opts.push(v.bind.selinux);
          if (v.bind?.propagation !== undefined) opts.push(v.bind.propagation);
          return `${v.source}:${v.target}:${opts.join(',')}`;
        }
        if (v.bind.selinux !== undefined) {
          this.fail('SPEC_CONFLICT', `${key}.bind.selinux`, 'SELinux relabelling (z/Z) needs bind.create_host_path: true (the engine relabels only Binds)');
        }
        const m: Record<string, unknown> = { Type: 'bind', Source: v.source, Target: v.target };
        if (readOnly) m.ReadOnly = true;
        if (v.consistency !== undefined) m.Consistency = v.consistency;
        if (v.bind.propagation !== undefined) m.BindOptions = { Propagation: v.bind.propagation };
        return m;
      }
      case 'volume': {
        const m: Record<string, unknown> = { Type: 'volume' };
        if (v.source !== undefined && v.source !== '') {
          const def = this.input.project.volumes[v.source];
          if (def === undefined) this.fail('SPEC_UNDEFINED_VOLUME', key, `the volume "${v.source}" is not defined in the project`);
          m.Source = def.name;
        } else {
          const reuse = this.input.anonymousVolumes?.[v.target];
          if (reuse !== undefined) m.Source = reuse;
        }
        m.Target = v.target;
        if (readOnly) m.ReadOnly = true;
        if (v.consistency !== undefined) m.Consistency = v.consistency;
        const opts: Record<string, unknown> = {};
        if (v.volume?.nocopy === true) opts.NoCopy = true;
        if (v.volume?.subpath !== undefined) {
          this.needs(`${key}.volume.subpath`, '1.45', 'volume.subpath');
          opts.Subpath = v.volume.subpath;
        }
        if (m.Source === undefined && driver !== undefined && driver !== '') opts.DriverConfig = { Name: driver };
        if (Object.keys(opts).length > 0) m.VolumeOptions = opts;
        if (v.bind?.propagation !== undefined || v.bind?.selinux !== undefined) this.warnings.push(`${key}: bind options do not apply to a volume; ignored`);
        return m;
      }
      case 'tmpfs': {
        const m: Record<string, unknown> = { Type: 'tmpfs', Target: v.target };
        if (readOnly) m.ReadOnly = true;
        const opts: Record<string, unknown> = {};
        if (v.tmpfs?.size !== undefined) opts.SizeBytes = v.tmpfs.size;
        if (v.tmpfs?.mode !== undefined) opts.Mode = v.tmpfs.mode;
        if (Object.keys(opts).length > 0) m.TmpfsOptions = opts;
        return m;
      }
      case 'image': {
        this.needs(`${key}.type`, '1.47', 'an image mount (type: image)');
        const m: Record<string, unknown> = { Type: 'image', Source: v.source, Target: v.target };
        if (readOnly) m.ReadOnly = true;
        if (v.image?.subpath !== undefined) m.ImageOptions = { Subpath: v.image.subpath };
        return m;
      }
      default: {
        // npipe (Windows engines) and cluster (swarm CSI volumes): passed through as compose does.
        const m: Record<string, unknown> = { Type: v.type, Target: v.target };
        if (v.source !== undefined) m.Source = v.source;
        if (readOnly) m.ReadOnly = true;
        return m;
      }
    }
  }

  fileObjectMounts(kind: 'secrets' | 'configs'): Array<{ source: string; target: string }> {
    const refs = this.svc[kind] ?? [];
    const base = kind === 'secrets' ? '/run/secrets/' : '/';
    const defs: Record<string, FileObjectConfig> = this.input.project[kind];
    const noun = kind === 'secrets' ? 'secret' : 'config';
    const undefinedCode = kind === 'secrets' ? 'SPEC_UNDEFINED_SECRET' : 'SPEC_UNDEFINED_CONFIG';
    const out: Array<{ source: string; target: string }> = [];
    refs.forEach((ref, i) => {
      const key = `${kind}[${i}]`;
      const long = typeof ref === 'string' ? undefined : ref;
      const source = long === undefined ? (ref as string) : long.source;
      if (source === undefined || source === '') this.fail('SPEC_MISSING_SOURCE', key, 'has no source');
      const def = defs[source];
      if (def === undefined) this.fail(undefinedCode, key, `the ${noun} "${source}" is not defined in the project`);
      if (def.external === true) this.fail('SPEC_UNSUPPORTED', key, `the ${noun} "${source}" is external; external ${kind} need swarm and are not supported`);
      if (def.environment !== undefined) this.fail('SPEC_UNSUPPORTED', key, `the ${noun} "${source}" comes from environment:, which is not supported yet; use file:`);
      if (def.content !== undefined) this.fail('SPEC_UNSUPPORTED', key, `the ${noun} "${source}" comes from content:, which is not supported yet; use file:`);
      if (def.file === undefined || def.file === '') this.fail('SPEC_MISSING_SOURCE', key, `the ${noun} "${source}" has no file:`);
      const rawTarget = long?.target;
      const target = rawTarget === undefined || rawTarget === '' ? base + source : rawTarget.startsWith('/') ? rawTarget : base + rawTarget;
      if (long !== undefined && (long.uid !== undefined || long.gid !== undefined || long.mode !== undefined)) {
        this.warnings.push(`${key}: uid, gid and mode of a file-based ${noun} are not supported (it is bind-mounted read-only); ignored`);
      }
      out.push({ source: def.file, target });
    });
    return out;
  }

  volumesFrom(spec: string): string {
    const parts = spec.split(':');
    if (parts[0] === 'container') {
      const name = parts[1];
      if (name === undefined || name === '') this.fail('SPEC_MISSING_SOURCE', 'volumes_from', `"${spec}" has no container name`);
      return parts.length > 2 ? `${name}:${parts.slice(2).join(':')}` : name;
    }
    const svc = parts[0] ?? '';
    const c = this.resolveService('volumes_from', svc);
    return parts.length > 1 ? `${c}:${parts.slice(1).join(':')}` : c;
  }

  // ------------------------------------------------------------------ resources

  resources(): void {
    const h = this.host;
    const s = this.svc;
    // Sizes are bytes and numbers are numbers already (config/canonical.ts).
    if (s.mem_limit !== undefined) h.Memory = s.mem_limit;
    if (s.memswap_limit !== undefined) h.MemorySwap = s.memswap_limit;
    if (s.mem_reservation !== undefined) h.MemoryReservation = s.mem_reservation;
    if (s.mem_swappiness !== undefined) h.MemorySwappiness = s.mem_swappiness;
    if (s.oom_kill_disable !== undefined) h.OomKillDisable = s.oom_kill_disable;
    if (s.cpu_shares !== undefined) h.CpuShares = s.cpu_shares;
    if (s.cpus !== undefined) h.NanoCpus = Math.round(s.cpus * 1e9);
    if (s.cpu_quota !== undefined) h.CpuQuota = s.cpu_quota;
    if (s.cpu_period !== undefined) h.CpuPeriod = s.cpu_period;
    const rtRuntime = this.micros('cpu_rt_runtime', s.cpu_rt_runtime);
    if (rtRuntime !== undefined) h.CpuRealtimeRuntime = rtRuntime;
    const rtPeriod = this.micros('cpu_rt_period', s.cpu_rt_period);
    if (rtPeriod !== undefined) h.CpuRealtimePeriod = rtPeriod;
    if (s.cpuset !== undefined && s.cpuset !== '') h.CpusetCpus = s.cpuset;
    if (s.cpu_count !== undefined) h.CpuCount = s.cpu_count;
    if (s.cpu_percent !== undefined) h.CpuPercent = s.cpu_percent;
    if (s.pids_limit !== undefined) h.PidsLimit = s.pids_limit;
    if (s.shm_size !== undefined) h.ShmSize = s.shm_size;
    if (s.cgroup_parent !== undefined && s.cgroup_parent !== '') h.CgroupParent = s.cgroup_parent;

    this.ulimits();
    this.blkio();
    this.devices();
    this.deployResources();
    this.gpus();
    const rules = s.device_cgroup_rules;
    if (rules !== undefined && rules.length > 0) h.DeviceCgroupRules = [...rules];
  }

  /** A size kept as written (`deploy`, `blkio_config`): bytes. */
  bytesOf(key: string, v: number | string): number {
    const r = parseBytes(v);
    if (!r.ok) this.fail('SPEC_INVALID_VALUE', key, r.error);
    return r.value;
  }

  /** cpu_rt_runtime / cpu_rt_period: a number is microseconds, a duration is converted. */
  micros(key: string, v: number | string | undefined): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'number') return v;
    if (/^-?\d+$/.test(v.trim())) return Number(v.trim());
    const d = parseDuration(v);
    if (!d.ok) this.fail('SPEC_INVALID_VALUE', key, d.error);
    return Math.trunc(d.value / 1000);
  }

  ulimits(): void {
    const u = this.svc.ulimits;
    if (u === undefined) return;
    const out: NonNullable<SpecHostConfig['Ulimits']> = [];
    for (const [name, value] of Object.entries(u)) {
      if (typeof value === 'number') out.push({ Name: name, Soft: value, Hard: value });
      else out.push({ Name: name, Soft: value.soft, Hard: value.hard });
    }
    if (out.length > 0) this.host.Ulimits = out;
  }

  blkio(): void {
    const b = this.svc.blkio_config;
    if (b === undefined) return;
    const h = this.host;
    const weight = num(b.weight);
    if (weight !== undefined) h.BlkioWeight = weight;
    if (b.weight_device !== undefined) {
      h.BlkioWeightDevice = b.weight_device.map((d, i) => {
        const w = num(d.weight);
        const path = d.path;
        if (w === undefined || path === undefined) this.fail('SPEC_INVALID_VALUE', `blkio_config.weight_device[${i}]`, 'needs path and weight');
        return { Path: path, Weight: w };
      });
    }
    const throttle = (key: 'device_read_bps' | 'device_write_bps' | 'device_read_iops' | 'device_write_iops', isBytes: boolean): ThrottleDevice[] | undefined => {
      const list = b[key];
      if (list === undefined) return undefined;
      return list.map((d, i) => {
        const path = d.path;
        const where = `blkio_config.${key}[${i}]`;
        if (path === undefined || d.rate === undefined) this.fail('SPEC_INVALID_VALUE', where, 'needs path and rate');
        const rate = isBytes ? this.bytesOf(where, d.rate) : num(d.rate);
        if (rate === undefined) this.fail('SPEC_INVALID_VALUE', where, `rate ${JSON.stringify(d.rate)} is not a number`);
        return { Path: path, Rate: rate };
      });
    };
    const rb = throttle('device_read_bps', true);
    if (rb) h.BlkioDeviceReadBps = rb;
    const wb = throttle('device_write_bps', true);
    if (wb) h.BlkioDeviceWriteBps = wb;
    const ri = throttle('device_read_iops', false);
    if (ri) h.BlkioDeviceReadIOps = ri;
    const wi = throttle('device_write_iops', false);
    if (wi) h.BlkioDeviceWriteIOps = wi;
  }

  devices(): void {
    const list = this.svc.devices;
    if (list === undefined) return;
    const devices: NonNullable<SpecHostConfig['Devices']> = [];
    const cdi: string[] = [];
    list.forEach((d, i) => {
      const key = `devices[${i}]`;
      let source: string | undefined;
      let target: string | undefined;
      let perms = 'rwm';
      if (typeof d === 'string') {
        // docker run --device: HOST[:CONTAINER][:PERMISSIONS]; a second part of only r/w/m is the permissions.
        const parts = d.split(':');
        if (parts.length > 3) this.fail('SPEC_INVALID_DEVICE', key, `"${d}" has too many colons; use the long syntax`);
        source = parts[0];
        if (parts.length === 2 && /^[rwm]+$/.test(parts[1] ?? '')) perms = parts[1] ?? perms;
        else if (parts.length >= 2) target = parts[1];
        if (parts.length === 3) perms = parts[2] ?? perms;
      } else {
        source = d.source;
        target = d.target;
        perms = d.permissions ?? perms;
      }
      if (source === undefined || source === '') this.fail('SPEC_INVALID_DEVICE', key, 'has no source device');
      if (target === undefined || target === '') target = source;
      if (!/^[rwm]+$/.test(perms)) this.fail('SPEC_INVALID_DEVICE', key, `permissions "${perms}" are not a combination of r, w and m`);
      if (source === target && CDI_NAME.test(source)) {
        cdi.push(source);
        return;
      }
      devices.push({ PathOnHost: source, PathInContainer: target, CgroupPermissions: perms });
    });
    if (devices.length > 0) this.host.Devices = devices;
    if (cdi.length > 0) this.addDeviceRequest({ Driver: 'cdi', DeviceIDs: cdi });
  }

  addDeviceRequest(r: DeviceRequest): void {
    (this.host.DeviceRequests ??= []).push(r);
  }

  deviceRequest(key: string, d: DeviceRequestConfig, extraCapability?: string): DeviceRequest {
    const r: DeviceRequest = {};
    if (d.driver !== undefined && d.driver !== '') r.Driver = d.driver;
    const ids = d.device_ids;
    const count = d.count;
    if (count === 'all' || count === -1 || count === '-1') r.Count = -1;
    else if (count !== undefined) {
      const n = num(count);
      if (n === undefined) this.fail('SPEC_INVALID_DEVICE', key, `count ${JSON.stringify(count)} is not a number or "all"`);
      r.Count = n;
    } else if (ids === undefined || ids.length === 0) r.Count = -1; // neither count nor ids: all devices
    if (ids !== undefined && ids.length > 0) r.DeviceIDs = [...ids];
    const caps = [...(d.capabilities ?? [])];
    if (extraCapability !== undefined && !caps.includes(extraCapability)) caps.push(extraCapability);
    if (caps.length > 0) r.Capabilities = [caps];
    const options = stringMap(d.options);
    if (options !== undefined && Object.keys(options).length > 0) r.Options = options;
    return r;
  }

  deployResources(): void {
    const resources = this.svc.deploy?.resources;
    if (resources === undefined) return;
    const { limits, reservations } = resources;
    const h = this.host;
    if (limits !== undefined) {
      if (limits.memory !== undefined) {
        const m = this.bytesOf('deploy.resources.limits.memory', limits.memory);
        if (m !== 0) h.Memory = m;
      }
      const cpus = num(limits.cpus);
      if (limits.cpus !== undefined && cpus === undefined) this.fail('SPEC_INVALID_VALUE', 'deploy.resources.limits.cpus', `${JSON.stringify(limits.cpus)} is not a number`);
      if (cpus !== undefined && cpus !== 0) h.NanoCpus = Math.round(cpus * 1e9);
      const pids = num(limits.pids);
      if (pids !== undefined && pids > 0) h.PidsLimit = pids;
    }
    if (reservations !== undefined) {
      if (reservations.memory !== undefined) {
        const m = this.bytesOf('deploy.resources.reservations.memory', reservations.memory);
        if (m !== 0) h.MemoryReservation = m;
      }
      // cpus and generic_resources reservations are swarm scheduling hints: no engine field.
      reservations.devices?.forEach((d, i) => this.addDeviceRequest(this.deviceRequest(`deploy.resources.reservations.devices[${i}]`, d)));
    }
  }

  gpus(): void {
    const g = this.svc.gpus;
    if (g === undefined) return;
    if (g === 'all') {
      this.addDeviceRequest({ Count: -1, Capabilities: [['gpu']] });
      return;
    }
    g.forEach((d, i) => this.addDeviceRequest(this.deviceRequest(`gpus[${i}]`, d, 'gpu')));
  }

  // ------------------------------------------------------------------ other HostConfig keys

  hostSettings(): void {
    const h = this.host;
    const s = this.svc;
    const lists: Array<[string[] | undefined, 'CapAdd' | 'CapDrop' | 'Dns' | 'DnsSearch' | 'DnsOptions' | 'ExtraHosts' | 'GroupAdd']> = [
      [s.cap_add, 'CapAdd'],
      [s.cap_drop, 'CapDrop'],
      [s.dns, 'Dns'],
      [s.dns_search, 'DnsSearch'],
      [s.dns_opt, 'DnsOptions'],
      [s.extra_hosts, 'ExtraHosts'],
      [s.group_add, 'GroupAdd'],
    ];
    for (const [v, field] of lists) if (v !== undefined && v.length > 0) h[field] = [...v];
    const overlayHosts = this.input.overlay?.extraHosts ?? [];
    if (overlayHosts.length > 0) h.ExtraHosts = [...(h.ExtraHosts ?? []), ...overlayHosts];
    if (s.privileged !== undefined) h.Privileged = s.privileged;
    if (s.read_only !== undefined) h.ReadonlyRootfs = s.read_only;
    if (s.init !== undefined) h.Init = s.init;
    const modes: Array<[string | undefined, 'UTSMode' | 'UsernsMode' | 'CgroupnsMode' | 'Runtime' | 'Isolation']> = [
      [s.uts, 'UTSMode'],
      [s.userns_mode, 'UsernsMode'],
      [s.cgroup, 'CgroupnsMode'],
      [s.runtime, 'Runtime'],
      [s.isolation, 'Isolation'],
    ];
    for (const [v, field] of modes) {
      if (v === undefined || v === '') continue;
      if (field === 'CgroupnsMode') this.needs('cgroup', '1.41');
      h[field] = v;
    }
    for (const [key, field] of [['ipc', 'IpcMode'], ['pid', 'PidMode']] as const) {
      const v = s[key];
      if (v === undefined || v === null || v === '') continue;
      h[field] = v.startsWith('service:') ? `container:${this.resolveService(key, v.slice('service:'.length))}` : v;
    }
    if (s.oom_score_adj !== undefined) h.OomScoreAdj = s.oom_score_adj;
    if (s.sysctls !== undefined && Object.keys(s.sysctls).length > 0) h.Sysctls = { ...s.sysctls };
    const storage = stringMap(s.storage_opt);
    if (storage !== undefined && Object.keys(storage).length > 0) h.StorageOpt = storage;
    const annotations = stringMap(s.annotations);
    if (annotations !== undefined && Object.keys(annotations).length > 0) {
      this.needs('annotations', '1.43');
      h.Annotations = annotations;
    }
    this.securityOpts();
    this.logging();
  }

  securityOpts(): void {
    const opts = this.svc.security_opt;
    if (opts === undefined || opts.length === 0) return;
    const out: string[] = [];
    for (const opt of opts) {
      if (opt === 'systempaths=unconfined') {
        this.host.MaskedPaths = [];
        this.host.ReadonlyPaths = [];
        continue;
      }
      let sep = opt.indexOf('=');
      if (sep < 0 && opt !== 'no-new-privileges') {
        sep = opt.indexOf(':');
        if (sep < 0) this.fail('SPEC_INVALID_VALUE', 'security_opt', `"${opt}" is not NAME=VALUE (e.g. label=disable, seccomp=unconfined)`);
      }
      const name = sep < 0 ? opt : opt.slice(0, sep);
      const value = sep < 0 ? '' : opt.slice(sep + 1);
      if (name === 'seccomp' && value !== 'unconfined' && value !== 'builtin') {
        const read = this.input.readFile;
        if (read === undefined) this.fail('SPEC_SECCOMP_PROFILE', 'security_opt', `seccomp profile files ("${value}") cannot be read here`);
        const path = value.startsWith('/') ? value : `${this.input.project.workingDir.replace(/\/+$/, '')}/${value}`;
        let profile: unknown;
        try {
          profile = JSON.parse(read(path));
        } catch (err) {
          this.fail('SPEC_SECCOMP_PROFILE', 'security_opt', `cannot read the seccomp profile ${path}: ${err instanceof Error ? err.message : String(err)}`);
        }
        out.push(`seccomp=${JSON.stringify(profile)}`);
      } else {
        out.push(opt);
      }
    }
    if (out.length > 0) this.host.SecurityOpt = out;
  }

  logging(): void {
    const l = this.svc.logging;
    if (l === undefined) return;
    const driver = l.driver ?? '';
    const options = optionMap(l.options);
    const cfg: NonNullable<HostConfigBody['LogConfig']> = { Type: driver };
    if (options !== undefined && Object.keys(options).length > 0) cfg.Config = options;
    if (driver !== '' || cfg.Config !== undefined) this.host.LogConfig = cfg;
  }

  restart(): void {
    const r = this.svc.restart;
    if (r !== undefined && r !== '') {
      const [name = '', count] = r.split(':');
      const policy: { Name: string; MaximumRetryCount?: number } = { Name: name === 'none' ? 'no' : name };
      if (count !== undefined && count !== '') {
        if (name !== 'on-failure') this.fail('SPEC_INVALID_VALUE', 'restart', `a retry count only applies to on-failure, not "${r}"`);
        const n = Number(count);
        if (!Number.isInteger(n) || n < 0) this.fail('SPEC_INVALID_VALUE', 'restart', `"${count}" is not a retry count`);
        policy.MaximumRetryCount = n;
      }
      this.host.RestartPolicy = policy;
      return;
    }
    const p = this.svc.deploy?.restart_policy;
    if (p === undefined) return;
    const condition = p.condition ?? 'any';
    const names: Record<string, string> = { none: 'no', no: 'no', 'on-failure': 'on-failure', any: 'always', always: 'always', 'unless-stopped': 'unless-stopped' };
    const name = names[condition];
    if (name === undefined) this.fail('SPEC_INVALID_VALUE', 'deploy.restart_policy.condition', `"${condition}" is not none, on-failure or any`);
    const policy: { Name: string; MaximumRetryCount?: number } = { Name: name };
    const attempts = num(p.max_attempts);
    if (attempts !== undefined && name === 'on-failure') policy.MaximumRetryCount = attempts;
    if (attempts !== undefined && name !== 'on-failure') this.warnings.push('deploy.restart_policy.max_attempts: the engine counts retries only for on-failure; ignored');
    if (p.delay !== undefined || p.window !== undefined) this.warnings.push('deploy.restart_policy: delay and window are swarm settings; ignored');
    this.host.RestartPolicy = policy;
  }

  // ------------------------------------------------------------------ networking

  /** `container:alias` for every link (service links first, then external_links). */
  links(): string[] {
    const out: string[] = [];
    for (const l of this.svc.links) {
      const c = this.input.containerOf(l.service);
      if (c === undefined || c === '') continue; // compose: a service without containers gives no link
      out.push(`${c}:${l.alias}`);
    }
    for (const ext of this.svc.external_links) {
      const colon = ext.indexOf(':');
      out.push(colon < 0 ? `${ext}:${ext}` : ext);
    }
    return out;
  }

  networking(): void {
    const mode = this.svc.network_mode;
    const serviceMac = this.svc.mac_address;
    if (mode !== undefined && mode !== '') {
      this.networkMode(mode, serviceMac);
      return;
    }
    this.projectNetworks(serviceMac);
  }

  networkMode(mode: string, serviceMac: string | undefined): void {
    let resolved = mode;
    if (mode.startsWith('service:')) resolved = `container:${this.resolveService('network_mode', mode.slice('service:'.length))}`;
    this.host.NetworkMode = resolved;
    const links = this.links();
    if (links.length > 0) {
      if (mode === 'bridge' || mode === 'default') this.host.Links = links;
      else this.fail('SPEC_CONFLICT', this.svc.links.length > 0 ? 'links' : 'external_links', `links need a network; network_mode "${mode}" has none of its own`);
    }
    if (serviceMac !== undefined && serviceMac !== '') this.body.MacAddress = serviceMac;
    if (this.svc.networks !== undefined && Object.keys(this.svc.networks).length > 0) {
      this.fail('SPEC_CONFLICT', 'networks', 'cannot be used together with network_mode');
    }
  }

  projectNetworks(serviceMac: string | undefined): void {
    const nets = this.svc.networks ?? { default: null };
    const keys = Object.keys(nets);
    if (keys.length === 0) keys.push('default');
    const priority = (k: string): number => num(nets[k]?.priority) ?? 0;
    keys.sort((a, b) => priority(b) - priority(a) || (a < b ? -1 : a > b ? 1 : 0));
    const links = this.links();
    const useAliases = this.input.useAliases ?? this.input.number > 0;
    const modern = this.multiNetworkCreate;

    const primaryKey = keys[0] ?? 'default';
    const primaryMac = nets[primaryKey]?.mac_address;
    if (serviceMac !== undefined && serviceMac !== '' && primaryMac !== undefined && primaryMac !== '' && primaryMac !== serviceMac) {
      this.fail('SPEC_CONFLICT', 'mac_address', `differs from networks.${primaryKey}.mac_address (${primaryMac}); give one MAC address`);
    }

    const endpoints: Array<{ network: string; config: EndpointConfig }> = [];
    keys.forEach((key, i) => {
      const def = this.input.project.networks[key];
      if (def === undefined) this.fail('SPEC_UNDEFINED_NETWORK', `networks.${key}`, `the network "${key}" is not defined in the project`);
      const cfg: ServiceNetwork | null = nets[key] ?? null;
      const ep = this.endpoint(key, cfg, links, useAliases);
      const ov = this.input.overlay?.endpoints[def.name];
      if (ov !== undefined) ep.IPAMConfig = { ...(ep.IPAMConfig ?? {}), IPv4Address: ov.ip };
      // Overlay MACs are tsfig's (the FDB of the other hosts points at them); before API 1.44 only
      // the first network's can be set.
      const mac = cfg?.mac_address ?? (ov !== undefined && (i === 0 || modern || this.input.apiVersion === undefined) ? ov.mac : undefined);
      if (i === 0) {
        const containerMac = mac !== undefined && mac !== '' ? mac : serviceMac;
        if (containerMac !== undefined && containerMac !== '') {
          // From API 1.44 the MAC address is per endpoint; before, container-wide (compose does the same).
          if (modern) ep.MacAddress = containerMac;
          else this.body.MacAddress = containerMac;
        }
      } else if (mac !== undefined && mac !== '') {
        if (this.input.apiVersion === undefined) ep.MacAddress = mac;
        else {
          this.needs(`networks.${key}.mac_address`, '1.44', 'a MAC address on a network other than the first');
          ep.MacAddress = mac;
        }
      }
      endpoints.push({ network: def.name, config: ep });
    });

    const first = endpoints[0];
    if (first === undefined) return;
    this.host.NetworkMode = first.network;
    const inBody = modern ? endpoints : [first];
    const endpointsConfig: Record<string, EndpointConfig> = dict();
    for (const e of inBody) endpointsConfig[e.network] = e.config;
    this.body.NetworkingConfig = { EndpointsConfig: endpointsConfig };
    this.extraNetworks = modern ? [] : endpoints.slice(1);
  }

  endpoint(key: string, cfg: ServiceNetwork | null, links: string[], useAliases: boolean): EndpointConfig {
    const aliases = [this.input.containerName];
    if (useAliases) {
      aliases.push(this.svc.name);
      for (const a of cfg?.aliases ?? []) aliases.push(a);
    }
    const ep: EndpointConfig = { Aliases: [...new Set(aliases)] };
    if (links.length > 0) ep.Links = [...links];
    if (cfg === null) return ep;
    const ipam: NonNullable<EndpointConfig['IPAMConfig']> = {};
    if (cfg.ipv4_address !== undefined && cfg.ipv4_address !== '') ipam.IPv4Address = cfg.ipv4_address;
    if (cfg.ipv6_address !== undefined && cfg.ipv6_address !== '') ipam.IPv6Address = cfg.ipv6_address;
    if (cfg.link_local_ips !== undefined && cfg.link_local_ips.length > 0) ipam.LinkLocalIPs = [...cfg.link_local_ips];
    if (Object.keys(ipam).length > 0) ep.IPAMConfig = ipam;
    const driverOpts = stringMap(cfg.driver_opts);
    if (driverOpts !== undefined && Object.keys(driverOpts).length > 0) ep.DriverOpts = driverOpts;
    const gw = num(cfg.gw_priority);
    if (gw !== undefined && gw !== 0) {
      this.needs(`networks.${key}.gw_priority`, '1.48', 'gw_priority');
      ep.GwPriority = gw;
    }
    if (cfg.interface_name !== undefined) {
      this.fail('SPEC_UNSUPPORTED', `networks.${key}.interface_name`, 'is not supported yet');
    }
    return ep;
  }
}

/** `expose` entries: `80`, `80/udp`, `8000-8002[/proto]` -> `port/proto` keys, ranges expanded. */
function expandExpose(spec: string, fail: (message: string) => never): string[] {
  const slash = spec.indexOf('/');
  const ports = slash < 0 ? spec : spec.slice(0, slash);
  const proto = (slash < 0 ? 'tcp' : spec.slice(slash + 1)).toLowerCase();
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') fail(`"${spec}": protocol "${proto}" is not tcp, udp or sctp`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(ports);
  if (m === null) fail(`"${spec}" is not PORT[-PORT][/PROTOCOL]`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > 65535 || end < start) fail(`"${spec}" is not a port or range within 1-65535`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/**
 * The container-create body (and the networks to connect afterwards) for one container of a
 * service. Throws SpecError for a key the engine cannot honour (its API version is too old,
 * or tsfig does not support it yet) or a reference that does not resolve (`service:x` without
 * a container, an undefined network, volume, secret or config).
 */
export function containerSpec(input: SpecInput): ContainerSpec {
  return new Builder(input).build();
}
