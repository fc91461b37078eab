/**
 * The Engine over dockerode 5 / docker-modem 5. Thin wrappers; the answers are read into
 * tsfig's own types with defensive readers (the engine sends null for empty maps and lists).
 *
 * Where dockerode's runtime falls short, the call goes through `docker.modem.dial` directly:
 * - createContainer / createNetwork / createVolume: dockerode sends the whole body as query
 *   string *and* body; `_query` / `_body` keep them apart (the name only in the query).
 * - inspectNetwork / inspectImage: dockerode drops the AbortSignal.
 * - removeVolume: dockerode drops `force` (no `?` in its path).
 * - logs: dockerode only streams with `follow`; otherwise it parses the bytes as JSON when
 *   they happen to be valid JSON (`42\n` becomes the number 42). Always a stream here.
 * - attach / exec start with stdin: dockerode sends its options object as the request body,
 *   and the engine hands bytes that follow the headers to the process as stdin. `hijack`
 *   sends no body to attach (only exec start's JSON, which the engine reads before it hijacks).
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable, Writable, type Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import type Dockerode from 'dockerode';
import { jsonClient, type JsonClient } from './http.js';
import type { Endpoint } from './endpoint.js';
import type {
  Archive,
  ArchiveStat,
  AttachedStreams,
  AttachOptions,
  CallOptions,
  ContainerCreateBody,
  ContainerInspect,
  ContainerMount,
  ContainerNetworkEndpoint,
  ContainerSummary,
  CreateContainerOptions,
  CreatedContainer,
  CreatedNetwork,
  EndpointConfig,
  Engine,
  EngineEvent,
  EngineFilters,
  EngineInfo,
  EngineVersion,
  EventsOptions,
  EventStream,
  ExecInteractiveOptions,
  ExecOptions,
  ExecResult,
  ImageInspect,
  ImageSummary,
  InteractiveExec,
  IpamConfig,
  LabelFilter,
  ListByLabelOptions,
  ListContainersOptions,
  ListImagesOptions,
  LogsOptions,
  NetworkCreateBody,
  NetworkInspect,
  NetworkSummary,
  ProgressMessage,
  PullOptions,
  PushOptions,
  PutArchiveOptions,
  RegistryAuth,
  RemoveContainerOptions,
  RemoveImageOptions,
  RemoveVolumeOptions,
  TerminalSize,
  TopOptions,
  TopResult,
  VolumeCreateBody,
  VolumeInspect,
  VolumeSummary,
  WaitOptions,
  WaitResult,
} from './engine.js';
import type { SshAuth, TlsMaterial } from './endpoint.js';
import { type ErrorContext, isAbortError, isNotFound, isNotModified, mapEngineError } from './errors.js';
import { EngineError } from '../errors.js';
import { collectDemuxed, Demuxer, splitLines } from './streams.js';
import type { BuildOptions, BuildProgress, BuildResult } from './engine.js';
import type { ContainerStats, StatsOptions, StatsStream } from './engine.js';
import type { CommitOptions, CommitResult } from './engine.js';
import { runBuild } from './docker-build.js';
import { SshDialAgent } from './ssh.js';

// ---------------------------------------------------------------- fast-client helpers

/** Query values as the engine reads them; undefined ones left out. */
function queryOf(q: Record<string, string | number | boolean | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = String(v);
  return out;
}

function signalOf(opts: { signal?: AbortSignal } | undefined): { signal?: AbortSignal } {
  return opts?.signal !== undefined ? { signal: opts.signal } : {};
}

// ---------------------------------------------------------------- defensive readers

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function str(v: unknown, d = ''): string {
  return typeof v === 'string' ? v : d;
}
function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function num(v: unknown, d = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}
function bool(v: unknown): boolean {
  return v === true;
}
function strArr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
function strArrOrNull(v: unknown): string[] | null {
  return Array.isArray(v) ? strArr(v) : null;
}
function strRec(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
}
function keys(v: unknown): string[] {
  return Object.keys(obj(v));
}

/** Drop undefined values (docker-modem would send `key=` in the query string). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Json)[k] = v;
  return out;
}

function labelFilters(labels: LabelFilter | undefined, filters: EngineFilters | undefined): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(filters ?? {})) out[k] = [...v];
  if (labels !== undefined) {
    const label = Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`));
    if (label.length > 0) out.label = [...(out.label ?? []), ...label];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function signalOpt(opts: CallOptions | undefined): { abortSignal?: AbortSignal } {
  return opts?.signal !== undefined ? { abortSignal: opts.signal } : {};
}

/** A function, so TypeScript does not keep a narrowing across an await. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/** Split `repo[:tag]` (a registry port is not a tag). */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

function authConfig(auth: RegistryAuth | undefined): Record<string, string> {
  // The docker CLI always sends X-Registry-Auth (an empty object without credentials).
  return defined({ ...(auth ?? {}) }) as Record<string, string>;
}

// ---------------------------------------------------------------- mapping answers

function mapPorts(v: unknown): Record<string, Array<{ hostIp: string; hostPort: string }> | null> {
  const out: Record<string, Array<{ hostIp: string; hostPort: string }> | null> = {};
  for (const [k, bindings] of Object.entries(obj(v))) {
    out[k] = Array.isArray(bindings) ? bindings.map((b) => ({ hostIp: str(obj(b).HostIp), hostPort: str(obj(b).HostPort) })) : null;
  }
  return out;
}

function mapMounts(v: unknown): ContainerMount[] {
  return (Array.isArray(v) ? v : []).map((m) => {
    const x = obj(m);
    return {
      type: str(x.Type),
      ...(optStr(x.Name) !== undefined ? { name: str(x.Name) } : {}),
      source: str(x.Source),
      destination: str(x.Destination),
      ...(optStr(x.Driver) !== undefined ? { driver: str(x.Driver) } : {}),
      mode: str(x.Mode),
      rw: bool(x.RW),
    };
  });
}

function mapContainerSummary(raw: unknown): ContainerSummary {
  const c = obj(raw);
  const networks: ContainerSummary['networks'] = {};
  for (const [name, n] of Object.entries(obj(obj(c.NetworkSettings).Networks))) {
    const e = obj(n);
    networks[name] = { networkId: str(e.NetworkID), ipAddress: str(e.IPAddress), macAddress: str(e.MacAddress) };
  }
  return {
    id: str(c.Id),
    names: strArr(c.Names).map(stripSlash),
    image: str(c.Image),
    imageId: str(c.ImageID),
    labels: strRec(c.Labels),
    state: str(c.State),
    status: str(c.Status),
    created: num(c.Created),
    networks,
    mounts: mapMounts(c.Mounts),
    ports: (Array.isArray(c.Ports) ? c.Ports : []).map((p) => {
      const x = obj(p);
      return { ...(optStr(x.IP) !== undefined ? { ip: str(x.IP) } : {}), privatePort: num(x.PrivatePort), ...(x.PublicPort !== undefined ? { publicPort: num(x.PublicPort) } : {}), type: str(x.Type) };
    }),
  };
}

function mapContainerInspect(raw: unknown): ContainerInspect {
  const c = obj(raw);
  const state = obj(c.State);
  const config = obj(c.Config);
  const host = obj(c.HostConfig);
  const settings = obj(c.NetworkSettings);
  const health = state.Health !== undefined && state.Health !== null ? obj(state.Health) : undefined;
  const networks: Record<string, ContainerNetworkEndpoint> = {};
  for (const [name, n] of Object.entries(obj(settings.Networks))) {
    const e = obj(n);
    const ipam = e.IPAMConfig !== null && e.IPAMConfig !== undefined ? obj(e.IPAMConfig) : undefined;
    networks[name] = {
      networkId: str(e.NetworkID),
      endpointId: str(e.EndpointID),
      ipAddress: str(e.IPAddress),
      ipPrefixLen: num(e.IPPrefixLen),
      gateway: str(e.Gateway),
      macAddress: str(e.MacAddress),
      aliases: strArr(e.Aliases),
      ...(ipam !== undefined
        ? { ipamConfig: defined({ ipv4Address: optStr(ipam.IPv4Address), ipv6Address: optStr(ipam.IPv6Address) }) }
        : {}),
    };
  }
  const mounts = mapMounts(c.Mounts);
  const portBindings: ContainerInspect['hostConfig']['portBindings'] = {};
  for (const [k, v] of Object.entries(mapPorts(host.PortBindings))) portBindings[k] = v ?? [];
  const restart = obj(host.RestartPolicy);
  return {
    id: str(c.Id),
    name: stripSlash(str(c.Name)),
    created: str(c.Created),
    image: str(c.Image),
    restartCount: num(c.RestartCount),
    state: {
      status: str(state.Status),
      running: bool(state.Running),
      paused: bool(state.Paused),
      restarting: bool(state.Restarting),
      dead: bool(state.Dead),
      pid: num(state.Pid),
      exitCode: num(state.ExitCode),
      error: str(state.Error),
      startedAt: str(state.StartedAt),
      finishedAt: str(state.FinishedAt),
      ...(health !== undefined ? { health: { status: str(health.Status), failingStreak: num(health.FailingStreak) } } : {}),
    },
    config: {
      image: str(config.Image),
      hostname: str(config.Hostname),
      user: str(config.User),
      env: strArr(config.Env),
      cmd: strArrOrNull(config.Cmd),
      entrypoint: strArrOrNull(config.Entrypoint),
      workingDir: str(config.WorkingDir),
      labels: strRec(config.Labels),
      tty: bool(config.Tty),
      openStdin: bool(config.OpenStdin),
      ...(optStr(config.StopSignal) !== undefined ? { stopSignal: str(config.StopSignal) } : {}),
      exposedPorts: keys(config.ExposedPorts),
    },
    hostConfig: {
      networkMode: str(host.NetworkMode),
      restartPolicy: { name: str(restart.Name), maximumRetryCount: num(restart.MaximumRetryCount) },
      binds: strArr(host.Binds),
      privileged: bool(host.Privileged),
      capAdd: strArr(host.CapAdd),
      capDrop: strArr(host.CapDrop),
      init: typeof host.Init === 'boolean' ? host.Init : null,
      portBindings,
    },
    mounts,
    networks,
    ports: mapPorts(settings.Ports),
    raw,
  };
}

function mapIpam(v: unknown): NetworkSummary['ipam'] {
  const ipam = obj(v);
  const config: IpamConfig[] = (Array.isArray(ipam.Config) ? ipam.Config : []).map((x) => {
    const c = obj(x);
    return defined({
      subnet: optStr(c.Subnet),
      ipRange: optStr(c.IPRange),
      gateway: optStr(c.Gateway),
      auxAddresses: c.AuxiliaryAddresses !== undefined && c.AuxiliaryAddresses !== null ? strRec(c.AuxiliaryAddresses) : undefined,
    });
  });
  return { driver: str(ipam.Driver), config, options: strRec(ipam.Options) };
}

function mapNetworkSummary(raw: unknown): NetworkSummary {
  const n = obj(raw);
  return {
    id: str(n.Id),
    name: str(n.Name),
    driver: str(n.Driver),
    scope: str(n.Scope),
    internal: bool(n.Internal),
    attachable: bool(n.Attachable),
    enableIPv6: bool(n.EnableIPv6),
    labels: strRec(n.Labels),
    options: strRec(n.Options),
    ipam: mapIpam(n.IPAM),
    created: str(n.Created),
  };
}

function mapNetworkInspect(raw: unknown): NetworkInspect {
  const n = obj(raw);
  const containers: NetworkInspect['containers'] = {};
  for (const [id, v] of Object.entries(obj(n.Containers))) {
    const e = obj(v);
    containers[id] = {
      name: str(e.Name),
      endpointId: str(e.EndpointID),
      macAddress: str(e.MacAddress),
      ipv4Address: str(e.IPv4Address),
      ipv6Address: str(e.IPv6Address),
    };
  }
  return { ...mapNetworkSummary(raw), containers, raw };
}

function mapVolume(raw: unknown): VolumeSummary {
  const v = obj(raw);
  return {
    name: str(v.Name),
    driver: str(v.Driver),
    mountpoint: str(v.Mountpoint),
    scope: str(v.Scope),
    labels: strRec(v.Labels),
    options: strRec(v.Options),
    ...(optStr(v.CreatedAt) !== undefined ? { createdAt: str(v.CreatedAt) } : {}),
  };
}

function mapImageSummary(raw: unknown): ImageSummary {
  const i = obj(raw);
  return {
    id: str(i.Id),
    repoTags: strArr(i.RepoTags).filter((t) => t !== '<none>:<none>'),
    repoDigests: strArr(i.RepoDigests).filter((t) => t !== '<none>@<none>'),
    created: num(i.Created),
    size: num(i.Size),
    labels: strRec(i.Labels),
  };
}

function mapImageInspect(raw: unknown): ImageInspect {
  const i = obj(raw);
  const config = obj(i.Config);
  const hc = config.Healthcheck !== undefined && config.Healthcheck !== null ? obj(config.Healthcheck) : undefined;
  return {
    id: str(i.Id),
    repoTags: strArr(i.RepoTags),
    repoDigests: strArr(i.RepoDigests),
    created: str(i.Created),
    os: str(i.Os),
    architecture: str(i.Architecture),
    size: num(i.Size),
    config: {
      env: strArr(config.Env),
      cmd: strArrOrNull(config.Cmd),
      entrypoint: strArrOrNull(config.Entrypoint),
      workingDir: str(config.WorkingDir),
      user: str(config.User),
      labels: strRec(config.Labels),
      exposedPorts: keys(config.ExposedPorts),
      volumes: keys(config.Volumes),
      ...(optStr(config.StopSignal) !== undefined ? { stopSignal: str(config.StopSignal) } : {}),
      ...(hc !== undefined
        ? {
            healthcheck: defined({
              test: strArrOrNull(hc.Test) ?? undefined,
              interval: typeof hc.Interval === 'number' ? hc.Interval : undefined,
              timeout: typeof hc.Timeout === 'number' ? hc.Timeout : undefined,
              retries: typeof hc.Retries === 'number' ? hc.Retries : undefined,
              startPeriod: typeof hc.StartPeriod === 'number' ? hc.StartPeriod : undefined,
            }),
          }
        : {}),
    },
    raw,
  };
}

function mapEvent(raw: unknown): EngineEvent {
  const e = obj(raw);
  const actor = obj(e.Actor);
  return {
    type: str(e.Type, str(e.type)),
    action: str(e.Action, str(e.status)),
    id: str(actor.ID, str(e.id)),
    attributes: strRec(actor.Attributes),
    ...(optStr(e.scope) !== undefined ? { scope: str(e.scope) } : {}),
    time: num(e.time),
    timeNano: num(e.timeNano),
  };
}

function parseArchiveStat(header: string | string[] | undefined): ArchiveStat | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  try {
    const s = obj(JSON.parse(Buffer.from(value, 'base64').toString('utf8')));
    return { name: str(s.name), size: num(s.size), mode: num(s.mode), mtime: str(s.mtime), linkTarget: str(s.linkTarget) };
  } catch {
    return undefined;
  }
}


// ---------------------------------------------------------------- hijacked connections

/**
 * The streams of a hijacked connection: output demultiplexed (raw with a TTY) into stdout and
 * stderr with backpressure, stdin as a Writable whose `end()` half-closes the connection.
 */
function hijackedStreams(sock: Duplex, opts: { tty: boolean; stdin: boolean; onError: (err: unknown) => unknown }): AttachedStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const demuxer = opts.tty ? undefined : new Demuxer();
  let closing = false;
  const resume = (): void => {
    if (!stdout.writableNeedDrain && !stderr.writableNeedDrain) sock.resume();
  };
  stdout.on('drain', resume);
  stderr.on('drain', resume);
  sock.on('data', (chunk: Buffer) => {
    const parts = demuxer ? demuxer.push(chunk) : [{ stream: 'stdout' as const, data: chunk }];
    let more = true;
    for (const p of parts) {
      if (p.stream === 'stdin') continue;
      more = (p.stream === 'stderr' ? stderr : stdout).write(p.data) && more;
    }
    if (!more) sock.pause();
  });
  const ended = new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      stdout.end();
      stderr.end();
      if (err !== undefined && !closing) reject(opts.onError(err));
      else resolve();
    };
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (err) => finish(err));
  });
  // Nobody may be waiting on `ended`: an unobserved rejection must not crash the process.
  ended.catch(() => undefined);
  let stdin: Writable | null = null;
  if (opts.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (sock.destroyed || sock.writableEnded) return cb();
        sock.write(chunk, () => cb());
      },
      final(cb) {
        if (!sock.destroyed && !sock.writableEnded) sock.end();
        cb();
      },
    });
    // Writes racing the end of the connection are dropped, never thrown.
    stdin.on('error', () => undefined);
  }
  return {
    stdin,
    stdout,
    stderr,
    ended,
    close: () => {
      closing = true;
      sock.destroy();
    },
  };
}

// ---------------------------------------------------------------- the engine

/** docker-modem's request options (its typings come with @types/dockerode). */
type ModemDialOptions = Parameters<Dockerode['modem']['dial']>[0];

interface DialRequest {
  path: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Query string values (objects become JSON, as the engine wants for filters). */
  query?: Record<string, unknown>;
  body?: unknown;
  isStream?: boolean;
  signal?: AbortSignal;
  /** Success statuses (default 200, 201, 204). */
  ok?: number[];
  authconfig?: Record<string, string>;
}

/** dockerode 5 takes an options argument (abortSignal) here; @types/dockerode 4 does not say so. */
interface SystemCalls {
  ping(opts: { abortSignal?: AbortSignal }): Promise<unknown>;
  version(opts: { abortSignal?: AbortSignal }): Promise<unknown>;
  info(opts: { abortSignal?: AbortSignal }): Promise<unknown>;
}

function withoutDockerHost<T>(build: () => T): T {
  // docker-modem's constructor reads DOCKER_HOST (and DOCKER_CERT_PATH files) whatever
  // options it is given, and may throw on them. The endpoint is already resolved: hide it.
  const saved = process.env.DOCKER_HOST;
  if (saved === undefined) return build();
  delete process.env.DOCKER_HOST;
  try {
    return build();
  } finally {
    process.env.DOCKER_HOST = saved;
  }
}

/** dockerode, loaded on first use (see http.ts: most commands never need it). */
function loadDockerode(): typeof Dockerode {
  return createRequire(import.meta.url)('dockerode') as typeof Dockerode;
}

export class DockerEngine implements Engine {
  readonly endpoint: Endpoint;
  private readonly options: Dockerode.DockerOptions;
  private dockerode: Dockerode | undefined;
  /** Plain GETs without dockerode; undefined for ssh/npipe endpoints. */
  private readonly fast: JsonClient | undefined;

  private get docker(): Dockerode {
    if (!this.dockerode) {
      const D = loadDockerode();
      this.dockerode = withoutDockerHost(() => new D(this.options));
    }
    return this.dockerode;
  }

  /** A GET through the fast client when there is one, else through dockerode's `slow`. */
  private get_<T>(path: string, query: Record<string, string>, opts: CallOptions | undefined, slow: () => Promise<T>): Promise<unknown> {
    if (!this.fast) return slow();
    return this.fast.get(path, query, opts?.signal);
  }

  /** How messages name the engine: its URL, and the docker context that chose it. */
  private readonly where: string;

  constructor(endpoint: Endpoint, tls?: TlsMaterial, ssh?: SshAuth) {
    this.endpoint = endpoint;
    this.where = endpoint.context !== undefined ? `${endpoint.url} (docker context ${endpoint.context})` : endpoint.url;
    this.fast = jsonClient(endpoint, tls);
    const base: Dockerode.DockerOptions = {
      socketPath: undefined,
      host: undefined,
      port: undefined,
      protocol: 'http',
      ca: undefined,
      cert: undefined,
      key: undefined,
    };
    let options: Dockerode.DockerOptions;
    switch (endpoint.protocol) {
      case 'unix':
      case 'npipe':
        options = { ...base, socketPath: endpoint.socketPath };
        break;
      case 'tcp':
        options = {
          ...base,
          host: endpoint.host,
          port: endpoint.port,
          protocol: endpoint.tls !== undefined ? 'https' : 'http',
          ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
          ...(tls?.cert !== undefined ? { cert: tls.cert } : {}),
          ...(tls?.key !== undefined ? { key: tls.key } : {}),
        };
        break;
      case 'ssh':
        // Plain http through an agent whose sockets are `docker system dial-stdio` channels (ssh.ts);
        // docker-modem takes `agent`, the types do not say so.
        options = {
          ...base,
          host: endpoint.host,
          port: endpoint.port,
          protocol: 'http',
          agent: new SshDialAgent({
            host: endpoint.host ?? '',
            port: endpoint.port ?? 22,
            username: endpoint.username ?? userInfo().username,
            ...(ssh?.privateKey !== undefined ? { privateKey: ssh.privateKey } : {}),
            ...(ssh?.agent !== undefined ? { agent: ssh.agent } : {}),
            ...(endpoint.knownHosts !== undefined ? { knownHosts: endpoint.knownHosts } : {}),
            ...(endpoint.knownHostsLabel !== undefined ? { knownHostsLabel: endpoint.knownHostsLabel } : {}),
            ...(endpoint.remoteSocket !== undefined ? { remoteSocket: endpoint.remoteSocket } : {}),
          }),
        } as Dockerode.DockerOptions;
        break;
    }
    this.options = options;
  }

  // ------------------------------------------------------------ plumbing

  private fail(err: unknown, ctx: ErrorContext): never {
    throw mapEngineError(err, this.where, ctx);
  }

  private async call<T>(ctx: ErrorContext, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.fail(err, ctx);
    }
  }

  /** A request through docker-modem, for what dockerode does not do right. */
  private dial(req: DialRequest): Promise<unknown> {
    const ok = req.ok ?? [200, 201, 204];
    const statusCodes: Record<number, boolean> = {};
    for (const code of ok) statusCodes[code] = true;
    const options: Json = {};
    const query = req.query !== undefined ? defined(req.query) : undefined;
    if (query !== undefined && Object.keys(query).length > 0) options._query = query;
    if (req.body !== undefined) options._body = req.body;
    // docker-modem sends `_body || options` as the body of a POST: an empty `_body` sends none.
    else if (req.method === 'POST' && options._query !== undefined) options._body = {};
    const hasQuery = options._query !== undefined;
    const dial: ModemDialOptions = {
      path: hasQuery ? `${req.path}?` : req.path,
      method: req.method,
      statusCodes,
      ...(Object.keys(options).length > 0 ? { options } : {}),
      ...(req.isStream === true ? { isStream: true } : {}),
      ...(req.signal !== undefined ? { abortSignal: req.signal } : {}),
      ...(req.authconfig !== undefined ? { authconfig: req.authconfig } : {}),
      ...(req.method === 'POST' && req.body !== undefined ? { allowEmpty: true } : {}),
    };
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(dial, (err, data) => (err ? reject(err) : resolve(data)));
    });
  }

  private get system(): SystemCalls {
    return this.docker as unknown as SystemCalls;
  }

  private container(id: string): Dockerode.Container {
    return this.docker.getContainer(id);
  }

  // ------------------------------------------------------------ system

  async ping(opts?: CallOptions): Promise<void> {
    await this.call({}, () => this.get_('/_ping', {}, opts, () => this.system.ping(signalOpt(opts))));
  }

  async version(opts?: CallOptions): Promise<EngineVersion> {
    const v = obj(await this.call({}, () => this.get_('/version', {}, opts, () => this.system.version(signalOpt(opts)))));
    return {
      version: str(v.Version),
      apiVersion: str(v.ApiVersion),
      ...(optStr(v.MinAPIVersion) !== undefined ? { minApiVersion: str(v.MinAPIVersion) } : {}),
      os: str(v.Os),
      arch: str(v.Arch),
      ...(optStr(v.KernelVersion) !== undefined ? { kernelVersion: str(v.KernelVersion) } : {}),
    };
  }

  async info(opts?: CallOptions): Promise<EngineInfo> {
    const raw: unknown = await this.call({}, () => this.system.info(signalOpt(opts)));
    const i = obj(raw);
    return {
      id: str(i.ID),
      name: str(i.Name),
      serverVersion: str(i.ServerVersion),
      operatingSystem: str(i.OperatingSystem),
      osType: str(i.OSType),
      architecture: str(i.Architecture),
      cpus: num(i.NCPU),
      memTotal: num(i.MemTotal),
      storageDriver: str(i.Driver),
      dockerRootDir: str(i.DockerRootDir),
      securityOptions: strArr(i.SecurityOptions),
      raw,
    };
  }

  // ------------------------------------------------------------ containers

  async listContainers(opts: ListContainersOptions = {}): Promise<ContainerSummary[]> {
    const filters = labelFilters(opts.labels, opts.filters);
    const list: unknown = await this.call({ kind: 'container', action: 'list' }, () =>
      this.get_('/containers/json', { all: opts.all === true ? '1' : '0', ...(filters !== undefined ? { filters: JSON.stringify(filters) } : {}) }, opts, () =>
        this.docker.listContainers({
          all: opts.all === true,
          ...(filters !== undefined ? { filters } : {}),
          ...signalOpt(opts),
        }),
      ),
    );
    return (Array.isArray(list) ? list : []).map(mapContainerSummary);
  }

  async inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInspect> {
    const raw: unknown = await this.call({ kind: 'container', id, action: 'inspect' }, () =>
      this.get_(`/containers/${encodeURIComponent(id)}/json`, {}, opts, () => this.container(id).inspect(signalOpt(opts))),
    );
    return mapContainerInspect(raw);
  }

  async createContainer(name: string | undefined, body: ContainerCreateBody, opts: CreateContainerOptions = {}): Promise<CreatedContainer> {
    const fast = this.fast;
    const data = obj(
      await this.call({ kind: 'container', ...(name !== undefined ? { id: name } : {}), action: 'create' }, () =>
        fast ? fast.send('POST', '/containers/create', { query: queryOf({ name, platform: opts.platform }), body, ...signalOf(opts) }) : this.dial({
          path: '/containers/create',
          method: 'POST',
          query: { name, platform: opts.platform },
          body,
          ok: [200, 201],
          ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        }),
      ),
    );
    return { id: str(data.Id), warnings: strArr(data.Warnings) };
  }

  async startContainer(id: string, opts?: CallOptions): Promise<void> {
    try {
      if (this.fast) await this.fast.send('POST', `/containers/${encodeURIComponent(id)}/start`, signalOf(opts));
      else await this.container(id).start(signalOpt(opts));
    } catch (err) {
      if (isNotModified(err)) return;
      this.fail(err, { kind: 'container', id, action: 'start' });
    }
  }

  async pauseContainer(id: string, opts?: CallOptions): Promise<void> {
    try {
      await this.container(id).pause(signalOpt(opts));
    } catch (err) {
      this.fail(err, { kind: 'container', id, action: 'pause' });
    }
  }

  async unpauseContainer(id: string, opts?: CallOptions): Promise<void> {
    try {
      await this.container(id).unpause(signalOpt(opts));
    } catch (err) {
      this.fail(err, { kind: 'container', id, action: 'unpause' });
    }
  }

  async stopContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
    try {
      await this.container(id).stop({ ...defined({ t: timeoutSeconds }), ...signalOpt(opts) });
    } catch (err) {
      if (isNotModified(err)) return;
      this.fail(err, { kind: 'container', id, action: 'stop' });
    }
  }

  async killContainer(id: string, signal?: string, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'container', id, action: 'kill' }, () =>
      this.container(id).kill({ ...defined({ signal }), ...signalOpt(opts) }),
    );
  }

  async restartContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'container', id, action: 'restart' }, () =>
      this.container(id).restart({ ...defined({ t: timeoutSeconds }), ...signalOpt(opts) }),
    );
  }

  async removeContainer(id: string, opts: RemoveContainerOptions = {}): Promise<void> {
    const fast = this.fast;
    await this.call({ kind: 'container', id, action: 'remove' }, () =>
      fast
        ? fast.send('DELETE', `/containers/${encodeURIComponent(id)}`, { query: queryOf({ force: opts.force === true, v: opts.volumes === true }), ...signalOf(opts) })
        : this.container(id).remove({ force: opts.force === true, v: opts.volumes === true, ...signalOpt(opts) }),
    );
  }

  async renameContainer(id: string, newName: string, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'container', id, action: 'rename' }, () =>
      this.container(id).rename({ name: newName, ...signalOpt(opts) }),
    );
  }

  async waitContainer(id: string, opts: WaitOptions = {}): Promise<WaitResult> {
    const data = obj(
      await this.call({ kind: 'container', id, action: 'wait' }, () =>
        this.fast
          ? this.fast.send('POST', `/containers/${encodeURIComponent(id)}/wait`, { query: queryOf({ condition: opts.condition }), ...signalOf(opts) })
          : this.container(id).wait({ ...defined({ condition: opts.condition }), ...signalOpt(opts) }),
      ),
    );
    const message = optStr(obj(data.Error).Message);
    return { statusCode: num(data.StatusCode), ...(message !== undefined ? { error: message } : {}) };
  }

  async connectNetwork(networkId: string, containerId: string, endpointConfig?: EndpointConfig, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'network', id: networkId, action: 'connect' }, () =>
      this.docker.getNetwork(networkId).connect({
        Container: containerId,
        ...(endpointConfig !== undefined ? { EndpointConfig: endpointConfig } : {}),
        ...signalOpt(opts),
      }),
    );
  }

  async disconnectNetwork(networkId: string, containerId: string, force?: boolean, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'network', id: networkId, action: 'disconnect' }, () =>
      this.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: force === true, ...signalOpt(opts) }),
    );
  }

  // ------------------------------------------------------------ networks

  async listNetworks(opts: ListByLabelOptions = {}): Promise<NetworkSummary[]> {
    const filters = labelFilters(opts.labels, opts.filters);
    const list: unknown = await this.call({ kind: 'network', action: 'list' }, () =>
      this.get_('/networks', filters !== undefined ? { filters: JSON.stringify(filters) } : {}, opts, () =>
        this.docker.listNetworks({ ...(filters !== undefined ? { filters } : {}), ...signalOpt(opts) }),
      ),
    );
    return (Array.isArray(list) ? list : []).map(mapNetworkSummary);
  }

  async inspectNetwork(id: string, opts?: CallOptions): Promise<NetworkInspect> {
    const raw = await this.call({ kind: 'network', id, action: 'inspect' }, () =>
      this.dial({ path: `/networks/${encodeURIComponent(id)}`, method: 'GET', ok: [200], ...(opts?.signal ? { signal: opts.signal } : {}) }),
    );
    return mapNetworkInspect(raw);
  }

  async createNetwork(body: NetworkCreateBody, opts?: CallOptions): Promise<CreatedNetwork> {
    const data = obj(
      await this.call({ kind: 'network', id: body.Name, action: 'create' }, () =>
        this.dial({ path: '/networks/create', method: 'POST', body, ok: [200, 201], ...(opts?.signal ? { signal: opts.signal } : {}) }),
      ),
    );
    const warning = optStr(data.Warning);
    return { id: str(data.Id), ...(warning !== undefined ? { warning } : {}) };
  }

  async removeNetwork(id: string, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'network', id, action: 'remove' }, () => this.docker.getNetwork(id).remove(signalOpt(opts)));
  }

  // ------------------------------------------------------------ volumes

  async listVolumes(opts: ListByLabelOptions = {}): Promise<VolumeSummary[]> {
    const filters = labelFilters(opts.labels, opts.filters);
    const data = obj(
      await this.call({ kind: 'volume', action: 'list' }, () =>
        this.get_('/volumes', filters !== undefined ? { filters: JSON.stringify(filters) } : {}, opts, () =>
          this.docker.listVolumes({ ...(filters !== undefined ? { filters } : {}), ...signalOpt(opts) }),
        ),
      ),
    );
    // `Volumes` is null when there are none.
    return (Array.isArray(data.Volumes) ? data.Volumes : []).map(mapVolume);
  }

  async inspectVolume(name: string, opts?: CallOptions): Promise<VolumeInspect> {
    const raw: unknown = await this.call({ kind: 'volume', id: name, action: 'inspect' }, () =>
      this.docker.getVolume(name).inspect(signalOpt(opts)),
    );
    return { ...mapVolume(raw), raw };
  }

  async createVolume(body: VolumeCreateBody, opts?: CallOptions): Promise<VolumeSummary> {
    const raw = await this.call({ kind: 'volume', ...(body.Name !== undefined ? { id: body.Name } : {}), action: 'create' }, () =>
      this.dial({ path: '/volumes/create', method: 'POST', body, ok: [200, 201], ...(opts?.signal ? { signal: opts.signal } : {}) }),
    );
    return mapVolume(raw);
  }

  async removeVolume(name: string, opts: RemoveVolumeOptions = {}): Promise<void> {
    await this.call({ kind: 'volume', id: name, action: 'remove' }, () =>
      this.dial({
        path: `/volumes/${encodeURIComponent(name)}`,
        method: 'DELETE',
        query: { force: opts.force === true ? true : undefined },
        ok: [200, 204],
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
  }

  // ------------------------------------------------------------ images

  async inspectImage(ref: string, opts?: CallOptions): Promise<ImageInspect | undefined> {
    try {
      const raw = await this.dial({ path: `/images/${ref}/json`, method: 'GET', ok: [200], ...(opts?.signal ? { signal: opts.signal } : {}) });
      return mapImageInspect(raw);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      this.fail(err, { kind: 'image', id: ref, action: 'inspect' });
    }
  }

  async listImages(opts: ListImagesOptions = {}): Promise<ImageSummary[]> {
    const filters = labelFilters(opts.labels, opts.reference !== undefined ? { reference: [opts.reference] } : undefined);
    const list: unknown = await this.call({ kind: 'image', action: 'list' }, () =>
      this.get_('/images/json', { all: opts.all === true ? '1' : '0', ...(filters !== undefined ? { filters: JSON.stringify(filters) } : {}) }, opts, () =>
        this.docker.listImages({ all: opts.all === true, ...(filters !== undefined ? { filters } : {}), ...signalOpt(opts) }),
      ),
    );
    return (Array.isArray(list) ? list : []).map(mapImageSummary);
  }

  /** Read a JSON progress stream; an `error` message rejects. */
  private async followProgress(
    stream: NodeJS.ReadableStream,
    what: string,
    onProgress: ((msg: ProgressMessage) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      for await (const line of splitLines(stream)) {
        if (line.trim() === '') continue;
        let msg: Json;
        try {
          msg = obj(JSON.parse(line));
        } catch {
          continue;
        }
        const error = optStr(msg.error) ?? optStr(obj(msg.errorDetail).message);
        if (error !== undefined) throw new EngineError(`${what}: ${error.replace(/\s+/g, ' ').trim()}`);
        if (onProgress !== undefined) {
          const detail = obj(msg.progressDetail);
          onProgress({
            ...defined({ status: optStr(msg.status), id: optStr(msg.id), progress: optStr(msg.progress) }),
            ...(Object.keys(detail).length > 0
              ? { progressDetail: defined({ current: typeof detail.current === 'number' ? detail.current : undefined, total: typeof detail.total === 'number' ? detail.total : undefined }) }
              : {}),
          });
        }
      }
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      this.fail(err, { kind: 'image', action: what });
    }
  }

  async pullImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts: PullOptions = {}): Promise<void> {
    const { repo, tag } = splitRepoTag(ref);
    const stream = (await this.call({ kind: 'image', id: ref, action: 'pull' }, () =>
      this.dial({
        path: '/images/create',
        method: 'POST',
        query: { fromImage: repo, tag, platform: opts.platform },
        isStream: true,
        ok: [200],
        authconfig: authConfig(opts.auth),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    )) as IncomingMessage;
    await this.followProgress(stream, `cannot pull ${ref}`, onProgress, opts.signal);
  }

  async pushImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts: PushOptions = {}): Promise<void> {
    const { repo, tag } = splitRepoTag(ref);
    const stream = (await this.call({ kind: 'image', id: ref, action: 'push' }, () =>
      this.dial({
        path: `/images/${repo}/push`,
        method: 'POST',
        query: { tag },
        isStream: true,
        ok: [200],
        authconfig: authConfig(opts.auth),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    )) as IncomingMessage;
    await this.followProgress(stream, `cannot push ${ref}`, onProgress, opts.signal);
  }

  async tagImage(source: string, target: string, opts?: CallOptions): Promise<void> {
    const { repo, tag } = splitRepoTag(target);
    await this.call({ kind: 'image', id: source, action: 'tag' }, () =>
      this.docker.getImage(source).tag({ repo, tag, ...signalOpt(opts) }),
    );
  }

  async removeImage(ref: string, opts: RemoveImageOptions = {}): Promise<void> {
    await this.call({ kind: 'image', id: ref, action: 'remove' }, () =>
      this.docker.getImage(ref).remove({ force: opts.force === true, noprune: opts.noprune === true, ...signalOpt(opts) }),
    );
  }

  async buildImage(context: NodeJS.ReadableStream, opts: BuildOptions, onProgress?: (p: BuildProgress) => void): Promise<BuildResult> {
    return runBuild(this.docker.modem, this.endpoint.url, context, opts, onProgress);
  }

  // ------------------------------------------------------------ exec, logs, events, archives

  async exec(containerId: string, opts: ExecOptions): Promise<ExecResult> {
    const tty = opts.tty === true;
    const ctx: ErrorContext = { kind: 'container', id: containerId, action: 'exec' };
    const exec = await this.call(ctx, () =>
      this.container(containerId).exec({
        Cmd: opts.cmd,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: tty,
        ...(opts.env !== undefined ? { Env: opts.env } : {}),
        ...(opts.user !== undefined ? { User: opts.user } : {}),
        ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
        ...(opts.privileged === true ? { Privileged: true } : {}),
        ...signalOpt(opts),
      }),
    );
    // Without hijack the engine streams the output as the HTTP body and closes at the end.
    const stream = await this.call(ctx, () => exec.start({ Detach: false, Tty: tty, ...signalOpt(opts) }));
    let out: { stdout: Buffer; stderr: Buffer };
    try {
      out = await collectDemuxed(stream, { tty });
    } catch (err) {
      if (opts.signal?.aborted === true) throw opts.signal.reason;
      this.fail(err, ctx);
    }
    // The exit code can lag the end of the stream by a moment.
    let exitCode: number | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      const info = obj(await this.call(ctx, () => exec.inspect(signalOpt(opts))));
      if (info.Running !== true && typeof info.ExitCode === 'number') {
        exitCode = info.ExitCode;
        break;
      }
      await new Promise((r) => setTimeout(r, Math.min(10 * (attempt + 1), 100)));
    }
    if (exitCode === undefined) throw new EngineError(`exec in ${containerId}: the engine reported no exit code`);
    return { exitCode, stdout: out.stdout.toString('utf8'), stderr: out.stderr.toString('utf8') };
  }

  async logs(containerId: string, opts: LogsOptions = {}): Promise<NodeJS.ReadableStream> {
    const signal = opts.signal;
    if (signal?.aborted === true) throw signal.reason;
    const fast = this.fast;
    if (fast && opts.buffered === true && opts.follow !== true) {
      // A small output (a helper's): one answer, no stream to manage.
      const query = queryOf({ stdout: opts.stdout !== false, stderr: opts.stderr !== false, since: opts.since, until: opts.until, tail: opts.tail, timestamps: opts.timestamps === true });
      const bytes = await this.call({ kind: 'container', id: containerId, action: 'logs' }, () =>
        fast.send('GET', `/containers/${encodeURIComponent(containerId)}/logs`, { query, raw: true, ...signalOf(opts) }),
      );
      return Readable.from([bytes as Buffer]);
    }
    // The signal is not handed to the request: aborting a response makes Node fail the stream
    // with ECONNRESET. Here an abort ends the returned stream cleanly instead.
    const res = (await this.call({ kind: 'container', id: containerId, action: 'logs' }, () =>
      this.dial({
        path: `/containers/${containerId}/logs`,
        method: 'GET',
        query: {
          follow: opts.follow === true,
          stdout: opts.stdout !== false,
          stderr: opts.stderr !== false,
          since: opts.since,
          until: opts.until,
          tail: opts.tail,
          timestamps: opts.timestamps === true,
        },
        isStream: true,
        ok: [200],
      }),
    )) as IncomingMessage;
    const out = new PassThrough();
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      signal?.removeEventListener('abort', finish);
      res.unpipe(out);
      out.end();
      res.destroy();
    };
    if (aborted(signal)) {
      // Aborted while the request was on its way.
      finish();
      return out;
    }
    signal?.addEventListener('abort', finish, { once: true });
    res.on('error', (err) => {
      if (ended) return;
      ended = true;
      signal?.removeEventListener('abort', finish);
      out.destroy(mapEngineError(err, this.where, { kind: 'container', id: containerId, action: 'logs' }) as Error);
    });
    res.on('end', () => {
      ended = true;
      signal?.removeEventListener('abort', finish);
    });
    // The consumer stopped reading (destroyed the stream): let go of the connection.
    out.on('close', () => {
      if (!res.destroyed) res.destroy();
      signal?.removeEventListener('abort', finish);
    });
    res.pipe(out);
    return out;
  }

  async events(opts: EventsOptions = {}): Promise<EventStream> {
    const stream = (await this.call({ action: 'events' }, () =>
      this.dial({
        path: '/events',
        method: 'GET',
        query: { filters: opts.filters, since: opts.since, until: opts.until },
        isStream: true,
        ok: [200],
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    )) as IncomingMessage;
    const state = { closed: false };
    const iterator = this.jsonLines(stream, state, { action: 'events' }, opts.signal, mapEvent);
    return {
      close: () => {
        state.closed = true;
        stream.destroy();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  async putArchive(containerId: string, path: string, tar: NodeJS.ReadableStream | Buffer, opts: PutArchiveOptions = {}): Promise<void> {
    await this.call({ kind: 'container', id: containerId, action: 'copy into' }, () =>
      this.container(containerId).putArchive(tar, {
        path,
        ...(opts.noOverwriteDirNonDir === true ? { noOverwriteDirNonDir: true } : {}),
        ...signalOpt(opts),
      }),
    );
  }

  async getArchive(containerId: string, path: string, opts?: CallOptions): Promise<Archive> {
    const res = (await this.call({ kind: 'container', id: containerId, action: 'copy from' }, () =>
      this.container(containerId).getArchive({ path, ...signalOpt(opts) }),
    )) as IncomingMessage;
    const stat = parseArchiveStat(res.headers?.['x-docker-container-path-stat']);
    return { stream: res, ...(stat !== undefined ? { stat } : {}) };
  }
  async statArchive(containerId: string, path: string, opts?: CallOptions): Promise<ArchiveStat | undefined> {
    try {
      const res = (await this.dial({
        path: `/containers/${containerId}/archive`,
        method: 'HEAD',
        query: { path },
        isStream: true,
        ok: [200],
        ...(opts?.signal ? { signal: opts.signal } : {}),
      })) as IncomingMessage;
      res.resume();
      return parseArchiveStat(res.headers?.['x-docker-container-path-stat']);
    } catch (err) {
      if (isNotFound(err)) {
        // A missing path and a missing container both answer 404: tell them apart.
        await this.inspectContainer(containerId, opts);
        return undefined;
      }
      this.fail(err, { kind: 'container', id: containerId, action: 'stat' });
    }
  }

  async exportContainer(containerId: string, opts?: CallOptions): Promise<NodeJS.ReadableStream> {
    return (await this.call({ kind: 'container', id: containerId, action: 'export' }, () =>
      this.dial({ path: `/containers/${encodeURIComponent(containerId)}/export`, method: 'GET', isStream: true, ok: [200], ...(opts?.signal ? { signal: opts.signal } : {}) }),
    )) as IncomingMessage;
  }

  async commitContainer(containerId: string, opts: CommitOptions = {}): Promise<CommitResult> {
    const data = obj(
      await this.call({ kind: 'container', id: containerId, action: 'commit' }, () =>
        this.dial({
          path: '/commit',
          method: 'POST',
          query: {
            container: containerId,
            repo: opts.repo,
            tag: opts.repo !== undefined ? opts.tag : undefined,
            comment: opts.comment,
            author: opts.author,
            pause: opts.pause === false ? false : undefined,
            // Repeated `changes=` parameters, one instruction each (as the docker CLI sends them).
            changes: opts.changes !== undefined && opts.changes.length > 0 ? [...opts.changes] : undefined,
          },
          ok: [200, 201],
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      ),
    );
    const id = optStr(data.Id);
    if (id === undefined) throw new EngineError(`commit ${containerId}: the engine returned no image ID`);
    return { id };
  }

  // ------------------------------------------------------------ interactive sessions, top

  /** POST with `Connection: Upgrade`: the raw connection once the engine switched protocols. */
  private async hijack(ctx: ErrorContext, path: string, query: Record<string, unknown> | undefined, body: unknown, signal: AbortSignal | undefined): Promise<Duplex> {
    const q = query !== undefined ? defined(query) : undefined;
    const options: Json = { _body: body ?? {} };
    if (q !== undefined && Object.keys(q).length > 0) options._query = q;
    const dial = {
      path: options._query !== undefined ? `${path}?` : path,
      method: 'POST',
      hijack: true,
      isStream: true,
      // A body only when there is one (exec start's JSON); `{}` makes docker-modem send none.
      ...(body !== undefined ? { allowEmpty: true } : {}),
      statusCodes: { 101: true, 200: true },
      options,
    } as unknown as ModemDialOptions;
    const result = await this.call(ctx, () =>
      new Promise<unknown>((resolve, reject) => {
        this.docker.modem.dial(dial, (err, data) => (err ? reject(err) : resolve(data)));
      }),
    );
    const sock = result as Duplex;
    if (typeof sock.write !== 'function') {
      (result as IncomingMessage).destroy();
      throw new EngineError(`${ctx.action ?? 'attach'} ${ctx.id ?? ''}: the engine did not switch to a raw stream`.replace(/ +:/, ':'));
    }
    if (signal !== undefined) {
      if (signal.aborted) sock.destroy();
      else {
        const onAbort = (): void => void sock.destroy();
        signal.addEventListener('abort', onAbort, { once: true });
        sock.on('close', () => signal.removeEventListener('abort', onAbort));
      }
    }
    return sock;
  }

  async attachContainer(id: string, opts: AttachOptions = {}): Promise<AttachedStreams> {
    const ctx: ErrorContext = { kind: 'container', id, action: 'attach' };
    const sock = await this.hijack(
      ctx,
      `/containers/${encodeURIComponent(id)}/attach`,
      {
        stream: true,
        stdin: opts.stdin === true,
        stdout: opts.stdout !== false,
        stderr: opts.stderr !== false,
        logs: opts.logs === true ? true : undefined,
        detachKeys: opts.detachKeys,
      },
      undefined,
      opts.signal,
    );
    return hijackedStreams(sock, { tty: opts.tty === true, stdin: opts.stdin === true, onError: (err) => mapEngineError(err, this.where, ctx) });
  }

  async resizeContainer(id: string, size: TerminalSize, opts?: CallOptions): Promise<void> {
    await this.call({ kind: 'container', id, action: 'resize' }, () =>
      this.container(id).resize({ h: Math.max(1, Math.trunc(size.h)), w: Math.max(1, Math.trunc(size.w)), ...signalOpt(opts) }),
    );
  }

  private async createExec(containerId: string, opts: ExecOptions, stdin: boolean): Promise<Dockerode.Exec> {
    return this.call({ kind: 'container', id: containerId, action: 'exec' }, () =>
      this.container(containerId).exec({
        Cmd: opts.cmd,
        AttachStdin: stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: opts.tty === true,
        ...(opts.env !== undefined ? { Env: opts.env } : {}),
        ...(opts.user !== undefined ? { User: opts.user } : {}),
        ...(opts.workingDir !== undefined ? { WorkingDir: opts.workingDir } : {}),
        ...(opts.privileged === true ? { Privileged: true } : {}),
        ...signalOpt(opts),
      }),
    );
  }

  /** The exit code of a finished exec (it can lag the end of its output by a moment). */
  private async execExitCode(exec: Dockerode.Exec, ctx: ErrorContext, opts: CallOptions): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const info = obj(await this.call(ctx, () => exec.inspect(signalOpt(opts))));
      if (info.Running !== true && typeof info.ExitCode === 'number') return info.ExitCode;
      await new Promise((r) => setTimeout(r, Math.min(10 * (attempt + 1), 100)));
    }
    throw new EngineError(`exec in ${ctx.id ?? 'the container'}: the engine reported no exit code`);
  }

  async execInteractive(containerId: string, opts: ExecInteractiveOptions): Promise<InteractiveExec> {
    const ctx: ErrorContext = { kind: 'container', id: containerId, action: 'exec' };
    const tty = opts.tty === true;
    const stdin = opts.stdin === true;
    const exec = await this.createExec(containerId, opts, stdin);
    const sock = await this.hijack(ctx, `/exec/${exec.id}/start`, undefined, { Detach: false, Tty: tty }, opts.signal);
    const streams = hijackedStreams(sock, { tty, stdin, onError: (err) => mapEngineError(err, this.where, ctx) });
    const exitCode = streams.ended.then(
      () => this.execExitCode(exec, ctx, opts),
      () => this.execExitCode(exec, ctx, opts),
    );
    exitCode.catch(() => undefined);
    return {
      ...streams,
      id: exec.id,
      exitCode,
      resize: async (size: TerminalSize, callOpts?: CallOptions) => {
        await this.call({ kind: 'exec', id: exec.id, action: 'resize' }, () =>
          exec.resize({ h: Math.max(1, Math.trunc(size.h)), w: Math.max(1, Math.trunc(size.w)), ...signalOpt(callOpts) }),
        );
      },
    };
  }

  async execDetached(containerId: string, opts: ExecOptions): Promise<string> {
    const exec = await this.createExec(containerId, opts, false);
    await this.call({ kind: 'container', id: containerId, action: 'exec' }, () =>
      this.dial({ path: `/exec/${exec.id}/start`, method: 'POST', body: { Detach: true, Tty: opts.tty === true }, ok: [200, 204], ...(opts.signal ? { signal: opts.signal } : {}) }),
    );
    return exec.id;
  }

  async top(id: string, opts: TopOptions = {}): Promise<TopResult> {
    const data = obj(
      await this.call({ kind: 'container', id, action: 'top' }, () =>
        this.dial({ path: `/containers/${encodeURIComponent(id)}/top`, method: 'GET', query: { ps_args: opts.psArgs }, ok: [200], ...(opts.signal ? { signal: opts.signal } : {}) }),
      ),
    );
    return {
      titles: strArr(data.Titles),
      processes: (Array.isArray(data.Processes) ? data.Processes : []).map((row) => strArr(row)),
    };
  }

  async stats(id: string, opts: StatsOptions = {}): Promise<StatsStream> {
    const ctx: ErrorContext = { kind: 'container', id, action: 'stats' };
    const path = `/containers/${encodeURIComponent(id)}/stats`;
    if (opts.stream !== true) {
      const query = queryOf({ stream: false, 'one-shot': opts.oneShot === true ? true : undefined });
      const sample = await this.call(ctx, () =>
        this.get_(path, query, opts, () => this.dial({ path, method: 'GET', query, ok: [200], ...(opts.signal ? { signal: opts.signal } : {}) })),
      );
      let closed = false;
      return {
        close: () => {
          closed = true;
        },
        async *[Symbol.asyncIterator]() {
          if (!closed) yield obj(sample) as ContainerStats;
        },
      };
    }
    const stream = (await this.call(ctx, () =>
      this.dial({ path, method: 'GET', query: { stream: true }, isStream: true, ok: [200], ...(opts.signal ? { signal: opts.signal } : {}) }),
    )) as IncomingMessage;
    const state = { closed: false };
    const iterator = this.jsonLines(stream, state, ctx, opts.signal, (v) => obj(v) as ContainerStats);
    return {
      close: () => {
        state.closed = true;
        stream.destroy();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  /**
   * One JSON document per line (events, streamed stats), each mapped; ends when the engine ends
   * the stream, on `close()` (state.closed) or on abort. Unreadable lines are skipped.
   */
  private async *jsonLines<T>(stream: IncomingMessage, state: { closed: boolean }, ctx: ErrorContext, signal: AbortSignal | undefined, map: (v: unknown) => T): AsyncGenerator<T> {
    const onAbort = (): void => {
      state.closed = true;
      stream.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const line of splitLines(stream)) {
        if (state.closed) return;
        if (line.trim() === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        yield map(parsed);
      }
    } catch (err) {
      if (state.closed || signal?.aborted === true || isAbortError(err)) return;
      this.fail(err, ctx);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!stream.destroyed) stream.destroy();
    }
  }

}
