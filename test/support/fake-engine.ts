/**
 * An in-memory Engine for executor tests (ordering, limits, cancellation). It never stands in
 * for the real engine in a test that claims engine behaviour (DESIGN.md section 4).
 *
 * - Every call is recorded (method, target, arguments, begin/end sequence numbers and times,
 *   outcome), so tests can check order and how many calls were in flight at once.
 * - Behaviours make matching calls slow (`delay`, or `hold` for a gate the test releases) or
 *   fail (`fail`, an `EngineError` with a status code).
 * - A small container/network/volume/image state makes create/start/stop/remove/rename/inspect
 *   answer plausibly (404 for what is missing, 409 for names in use, ...).
 * - Calls honour their AbortSignal as the Engine interface says: an aborted call rejects with
 *   the signal's reason, unchanged (and changes no state).
 * - Container lifecycle changes are recorded as engine events (create, start, kill, die, stop,
 *   restart, destroy); `events` replays them since `since`, then ends at `until` or goes on live.
 * - Streaming, exec and archive methods (exec, execInteractive, execDetached, attachContainer,
 *   logs, putArchive, getArchive, statArchive, pushImage, stats) throw 'not supported by the fake'.
 */
import { EngineError } from '../../src/errors.js';
import { EngineUnreachableError } from '../../src/engine/errors.js';
import type { Endpoint } from '../../src/engine/endpoint.js';
import type {
  Archive,
  ArchiveStat,
  AttachedStreams,
  AttachOptions,
  BuildOptions,
  BuildProgress,
  BuildResult,
  CallOptions,
  CommitOptions,
  CommitResult,
  ContainerCreateBody,
  ContainerInspect,
  ContainerSummary,
  CreateContainerOptions,
  CreatedContainer,
  CreatedNetwork,
  EndpointConfig,
  Engine,
  EngineEvent,
  EngineInfo,
  EngineVersion,
  EventStream,
  EventsOptions,
  ExecInteractiveOptions,
  ExecOptions,
  ExecResult,
  ImageInspect,
  ImageSummary,
  InteractiveExec,
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
  RemoveContainerOptions,
  RemoveImageOptions,
  RemoveVolumeOptions,
  StatsOptions,
  StatsStream,
  TerminalSize,
  TopOptions,
  TopResult,
  VolumeCreateBody,
  VolumeInspect,
  VolumeSummary,
  WaitOptions,
  WaitResult,
} from '../../src/engine/engine.js';

/** Engine methods that change state (what "zero mutating calls" counts). */
export const MUTATING = new Set([
  'createContainer',
  'startContainer',
  'stopContainer',
  'killContainer',
  'pauseContainer',
  'unpauseContainer',
  'restartContainer',
  'removeContainer',
  'renameContainer',
  'connectNetwork',
  'disconnectNetwork',
  'createNetwork',
  'removeNetwork',
  'createVolume',
  'removeVolume',
  'pullImage',
  'pushImage',
  'tagImage',
  'removeImage',
  'buildImage',
]);

export interface FakeCall {
  /** Position of this call among all calls. */
  index: number;
  method: string;
  /** The container/network/volume/image the call is about (name or id as passed). */
  target: string;
  args: unknown[];
  /** Whether the caller passed an AbortSignal. */
  withSignal: boolean;
  /** Global sequence number when the call began / ended (begin and end share one counter). */
  beginSeq: number;
  endSeq?: number;
  /** `clock()` at begin / end. */
  startedAt: number;
  finishedAt?: number;
  outcome?: 'ok' | 'error' | 'aborted';
  error?: unknown;
}

/** Which calls a behaviour applies to: a method name, optionally a target, or a predicate. */
export type CallMatcher = string | { method?: string; target?: string } | ((call: FakeCall) => boolean);

/** A controllable promise: matching calls wait at the gate until the test releases it. */
export interface Gate {
  /** Calls currently waiting at the gate. */
  readonly waiting: FakeCall[];
  /** Resolves once `n` calls (default 1) have reached the gate. */
  reached(n?: number): Promise<void>;
  /** Let every waiting and future call through. */
  release(): void;
}

interface Behaviour {
  match: (call: FakeCall) => boolean;
  delayMs?: number;
  gate?: GateImpl;
  error?: () => Error;
  /** Applies this many times, then no more (undefined: always). */
  times?: number;
}

class GateImpl implements Gate {
  readonly waiting: FakeCall[] = [];
  private open = false;
  private readonly releasers: Array<() => void> = [];
  private readonly watchers: Array<{ n: number; resolve: () => void }> = [];
  private arrived = 0;

  enter(call: FakeCall): Promise<void> {
    this.arrived++;
    for (const w of this.watchers.filter((x) => x.n <= this.arrived)) {
      this.watchers.splice(this.watchers.indexOf(w), 1);
      w.resolve();
    }
    if (this.open) return Promise.resolve();
    this.waiting.push(call);
    return new Promise<void>((resolve) => {
      this.releasers.push(() => {
        this.waiting.splice(this.waiting.indexOf(call), 1);
        resolve();
      });
    });
  }

  reached(n = 1): Promise<void> {
    if (this.arrived >= n) return Promise.resolve();
    return new Promise<void>((resolve) => this.watchers.push({ n, resolve }));
  }

  release(): void {
    this.open = true;
    for (const r of this.releasers.splice(0)) r();
  }
}

interface FakeContainer {
  id: string;
  name: string;
  body: ContainerCreateBody;
  labels: Record<string, string>;
  status: 'created' | 'running' | 'paused' | 'exited';
  exitCode: number;
  created: string;
  startedAt: string;
  finishedAt: string;
  /** Statuses inspect reports one after another (the last one repeats); undefined: no healthcheck. */
  health?: string[];
  failingStreak: number;
  /** Exit code the container reaches by itself after start (a job), if any. */
  exitsWith?: number;
  networks: Map<string, EndpointConfig>;
  waiters: Array<(r: WaitResult) => void>;
  /** The engine's last start error (inspect's State.Error). */
  error?: string;
  /** Its runtime holds a stale task of its ID (an engine restart): every start fails. */
  staleTask?: boolean;
}

interface FakeNetwork {
  id: string;
  body: NetworkCreateBody;
  created: string;
  /** Endpoint names whose container is gone (dockerd 20.10's stale endpoints): they block removal. */
  stale?: Set<string>;
  /** Removals refused for "active endpoints" that nothing lists (a leaked endpoint count). */
  leakedFor?: number;
}

interface FakeVolume {
  body: VolumeCreateBody;
  name: string;
  created: string;
}

export interface SeedContainer {
  name: string;
  labels?: Record<string, string>;
  image?: string;
  /** Default 'running'. */
  status?: FakeContainer['status'];
  exitCode?: number;
  /** Health statuses inspect reports in turn (last repeats); absent: no healthcheck. */
  health?: string[];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function hex(n: number, len = 64): string {
  return n.toString(16).padStart(len, '0');
}

function matchesLabels(labels: Record<string, string>, filter: LabelFilter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([k, v]) => (v === true ? k in labels : labels[k] === v));
}

/** A whole `ContainerSummary` from the fields a test cares about (for fakes of one capability). */
export function summaryOf(fields: Partial<ContainerSummary> & { id: string }): ContainerSummary {
  return { names: [], image: 'busybox:latest', imageId: 'sha256:' + hex(0), labels: {}, state: 'running', status: '', created: 0, networks: {}, mounts: [], ports: [], ...fields };
}

/** A whole `ContainerInspect` from the state a test cares about (for fakes of one capability). */
export function inspectOf(fields: { id: string; name?: string; state?: Partial<ContainerInspect['state']>; labels?: Record<string, string> }): ContainerInspect {
  const running = fields.state?.running ?? true;
  return {
    id: fields.id,
    name: fields.name ?? fields.id,
    created: '1970-01-01T00:00:00Z',
    image: 'sha256:' + hex(0),
    restartCount: 0,
    state: { status: running ? 'running' : 'exited', running, paused: false, restarting: false, dead: false, pid: running ? 4242 : 0, exitCode: 0, error: '', startedAt: '', finishedAt: '', ...fields.state },
    config: { image: 'busybox:latest', hostname: fields.id.slice(0, 12), user: '', env: [], cmd: null, entrypoint: null, workingDir: '', labels: { ...fields.labels }, tty: false, openStdin: false, exposedPorts: [] },
    hostConfig: { networkMode: 'default', restartPolicy: { name: 'no', maximumRetryCount: 0 }, binds: [], privileged: false, capAdd: [], capDrop: [], init: null, portBindings: {} },
    mounts: [],
    networks: {},
    ports: {},
    raw: {},
  };
}

export function notSupported(method: string): Error {
  return new Error(`${method} is not supported by the fake`);
}

export class FakeEngine implements Engine {
  readonly endpoint: Endpoint = {
    url: 'unix:///fake/docker.sock',
    protocol: 'unix',
    socketPath: '/fake/docker.sock',
    verify: false,
    insecure: false,
    source: 'default',
  };

  readonly calls: FakeCall[] = [];
  private seq = 0;
  private ids = 0;
  private readonly behaviours: Behaviour[] = [];
  private readonly containerMap = new Map<string, FakeContainer>();
  private readonly networkMap = new Map<string, FakeNetwork>();
  private readonly volumeMap = new Map<string, FakeVolume>();
  private readonly imageMap = new Map<string, string>();
  private readonly eventLog: EngineEvent[] = [];
  private readonly subscribers = new Set<(e: EngineEvent) => void>();

  /** @param clock times recorded on calls (default `performance.now`). */
  constructor(private readonly clock: () => number = () => performance.now()) {
    this.imageMap.set('busybox:latest', 'sha256:' + hex(0xb0b));
  }

  // ------------------------------------------------------------ test controls

  /** Matching calls take `ms` milliseconds. */
  delay(match: CallMatcher, ms: number, times?: number): this {
    this.behaviours.push({ match: toPredicate(match), delayMs: ms, ...(times !== undefined ? { times } : {}) });
    return this;
  }

  /** Matching calls wait until the returned gate is released. */
  hold(match: CallMatcher, times?: number): Gate {
    const gate = new GateImpl();
    this.behaviours.push({ match: toPredicate(match), gate, ...(times !== undefined ? { times } : {}) });
    return gate;
  }

  /** Matching calls throw `EngineError(message, statusCode)` (after any delay or gate). */
  fail(match: CallMatcher, statusCode: number, message = `fake failure (${statusCode})`, times?: number): this {
    this.behaviours.push({ match: toPredicate(match), error: () => new EngineError(message, statusCode), ...(times !== undefined ? { times } : {}) });
    return this;
  }

  /**
   * Matching calls fail as a connection dropped under them (`socket hang up`, ECONNRESET), as a
   * reset or an answer cut short does; the engine itself still answers other calls.
   */
  drop(match: CallMatcher, times?: number): this {
    this.behaviours.push({ match: toPredicate(match), error: () => new EngineUnreachableError(this.endpoint.url, 'socket hang up', 'ECONNRESET'), ...(times !== undefined ? { times } : {}) });
    return this;
  }

  /** Put a container in place, as if someone had made it earlier. Returns its id. */
  seedContainer(seed: SeedContainer): string {
    const c = this.newContainer(seed.name, { Image: seed.image ?? 'busybox:latest', Labels: seed.labels ?? {} });
    c.status = seed.status ?? 'running';
    c.exitCode = seed.exitCode ?? 0;
    if (seed.health) c.health = [...seed.health];
    if (c.status !== 'created') c.startedAt = new Date().toISOString();
    if (c.status === 'exited') c.finishedAt = new Date().toISOString();
    return c.id;
  }

  /**
   * The container's ID is held by a stale task in the runtime (left by an engine restarted
   * while it was being started): every start fails with `task <id>: already exists` (500), and
   * inspect reports that error from then on; a new container (another ID) starts.
   */
  staleTask(nameOrId: string): void {
    const c = this.mustFind(nameOrId);
    c.status = 'created';
    c.staleTask = true;
  }

  /** Set the health statuses a container reports from now on (in turn, the last repeats). */
  setHealth(nameOrId: string, statuses: string[]): void {
    this.mustFind(nameOrId).health = [...statuses];
  }

  /** Leave an endpoint named `name` on a network with no container behind it (moby#42119). */
  staleEndpoint(network: string, name: string): void {
    const n = this.mustFindNetwork(network);
    (n.stale ??= new Set()).add(name);
  }

  /**
   * Make the engine refuse the next `attempts` removals of a network for "active endpoints"
   * while inspect lists none (dockerd 20.10's leaked endpoint count; for ever by default).
   */
  leakEndpoints(network: string, attempts = Infinity): void {
    this.mustFindNetwork(network).leakedFor = attempts;
  }

  /** Connect an existing container to a network (someone else's doing). */
  attach(network: string, nameOrId: string): void {
    const n = this.mustFindNetwork(network);
    this.mustFind(nameOrId).networks.set(n.body.Name, {});
  }

  /** Make a running container exit by itself (a job finishing, a crash). */
  exit(nameOrId: string, code: number): void {
    const c = this.mustFind(nameOrId);
    this.stopped(c, code);
  }

  /** Someone else stops a running container (another client's `docker stop`): kill, die, stop events. */
  stopBySomeone(nameOrId: string): void {
    const c = this.mustFind(nameOrId);
    this.event(c, 'kill', { signal: '15' });
    this.stopped(c, 143);
    this.event(c, 'stop');
  }

  /** The engine's past events are gone (dockerd keeps its last 256): a later read of the past finds none; live subscribers had them. */
  forgetEvents(): void {
    this.eventLog.length = 0;
  }

  /** Someone else's stop has begun (SIGTERM sent, the kill event out) and not landed yet; call `exit` to land it. */
  stopBegunBySomeone(nameOrId: string): void {
    this.event(this.mustFind(nameOrId), 'kill', { signal: '15' });
  }

  /** The container's state as the fake holds it (undefined when it does not exist). */
  container(nameOrId: string): { id: string; name: string; status: string; exitCode: number; labels: Record<string, string>; networks: string[] } | undefined {
    const c = this.find(nameOrId);
    return c && { id: c.id, name: c.name, status: c.status, exitCode: c.exitCode, labels: { ...c.labels }, networks: [...c.networks.keys()] };
  }

  containerNames(): string[] {
    return [...this.containerMap.values()].map((c) => c.name).sort();
  }

  networkNames(): string[] {
    return [...this.networkMap.values()].map((n) => n.body.Name).sort();
  }

  volumeNames(): string[] {
    return [...this.volumeMap.keys()].sort();
  }

  /** Calls of these methods (all calls when none given). */
  callsOf(...methods: string[]): FakeCall[] {
    return methods.length ? this.calls.filter((c) => methods.includes(c.method)) : [...this.calls];
  }

  mutatingCalls(): FakeCall[] {
    return this.calls.filter((c) => MUTATING.has(c.method));
  }

  /** Calls that began and have not ended. */
  inFlight(filter: (c: FakeCall) => boolean = () => true): FakeCall[] {
    return this.calls.filter((c) => c.endSeq === undefined && filter(c));
  }

  /** The most calls (matching `filter`) that were in flight at the same time, replayed from the record. */
  maxInFlight(filter: (c: FakeCall) => boolean = () => true): number {
    const marks: Array<[number, 1 | -1]> = [];
    for (const c of this.calls.filter(filter)) {
      marks.push([c.beginSeq, 1]);
      if (c.endSeq !== undefined) marks.push([c.endSeq, -1]);
    }
    marks.sort((a, b) => a[0] - b[0]);
    let now = 0;
    let max = 0;
    for (const [, d] of marks) {
      now += d;
      max = Math.max(max, now);
    }
    return max;
  }

  // ------------------------------------------------------------ recording and behaviours

  private async call<T>(method: string, target: string, args: unknown[], opts: CallOptions | undefined, effect: () => T | Promise<T>): Promise<T> {
    const rec: FakeCall = {
      index: this.calls.length,
      method,
      target,
      args,
      withSignal: Boolean(opts?.signal),
      beginSeq: this.seq++,
      startedAt: this.clock(),
    };
    this.calls.push(rec);
    const end = (outcome: FakeCall['outcome'], error?: unknown) => {
      rec.endSeq = this.seq++;
      rec.finishedAt = this.clock();
      rec.outcome = outcome;
      if (error !== undefined) rec.error = error;
    };
    const signal = opts?.signal;
    try {
      signal?.throwIfAborted();
      let failure: Error | undefined;
      for (const b of this.behaviours) {
        if (b.times !== undefined && b.times <= 0) continue;
        if (!b.match(rec)) continue;
        if (b.times !== undefined) b.times--;
        if (b.delayMs !== undefined) await abortable(new Promise((r) => setTimeout(r, b.delayMs)), signal);
        if (b.gate) await abortable(b.gate.enter(rec), signal);
        if (b.error && !failure) failure = b.error();
      }
      signal?.throwIfAborted();
      if (failure) throw failure;
      const value = await effect();
      end('ok');
      return value;
    } catch (err) {
      end(signal?.aborted && err === signal.reason ? 'aborted' : 'error', err);
      throw err;
    }
  }

  // ------------------------------------------------------------ state helpers

  private newId(): string {
    return hex(++this.ids * 0x1000 + 0xfa);
  }

  private newContainer(name: string, body: ContainerCreateBody): FakeContainer {
    const c: FakeContainer = {
      id: this.newId(),
      name,
      body,
      labels: { ...(body.Labels ?? {}) },
      status: 'created',
      exitCode: 0,
      created: new Date().toISOString(),
      startedAt: ZERO_TIME,
      finishedAt: ZERO_TIME,
      failingStreak: 0,
      networks: new Map(),
      waiters: [],
    };
    const test = body.Healthcheck?.Test;
    if (test && test.length && test[0] !== 'NONE') c.health = ['starting'];
    const mode = body.HostConfig?.NetworkMode;
    if (mode && !['host', 'none'].includes(mode) && !mode.startsWith('container:')) c.networks.set(mode, {});
    for (const [net, cfg] of Object.entries(body.NetworkingConfig?.EndpointsConfig ?? {})) c.networks.set(net, cfg);
    this.containerMap.set(c.id, c);
    return c;
  }

  private find(ref: string): FakeContainer | undefined {
    const all = [...this.containerMap.values()];
    return all.find((c) => c.id === ref || c.name === ref || c.name === ref.replace(/^\//, '')) ?? (ref.length >= 4 ? all.find((c) => c.id.startsWith(ref)) : undefined);
  }

  private mustFind(ref: string): FakeContainer {
    const c = this.find(ref);
    if (!c) throw new EngineError(`No such container: ${ref}`, 404);
    return c;
  }

  private findNetwork(ref: string): FakeNetwork | undefined {
    return [...this.networkMap.values()].find((n) => n.id === ref || n.body.Name === ref || (ref.length >= 4 && n.id.startsWith(ref)));
  }

  private mustFindNetwork(ref: string): FakeNetwork {
    const n = this.findNetwork(ref);
    if (!n) throw new EngineError(`network ${ref} not found`, 404);
    return n;
  }

  private stopped(c: FakeContainer, code: number): void {
    c.status = 'exited';
    c.exitCode = code;
    c.finishedAt = new Date().toISOString();
    this.event(c, 'die', { exitCode: String(code) });
    for (const w of c.waiters.splice(0)) w({ statusCode: code });
  }

  /** The last event's timeNano: events of one millisecond still differ and keep their order, as dockerd's nanoseconds do. */
  private lastNano = 0;

  private event(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const ms = Date.now();
    // A microsecond apart: at these magnitudes a double cannot tell nanoseconds apart.
    const nano = Math.max(ms * 1e6, this.lastNano + 1000);
    this.lastNano = nano;
    const e: EngineEvent = { type: 'container', action, id: c.id, attributes: { ...c.labels, name: c.name, ...extra }, scope: 'local', time: Math.floor(nano / 1e9), timeNano: nano };
    this.eventLog.push(e);
    for (const s of this.subscribers) s(e);
  }

  private healthNow(c: FakeContainer): { status: string; failingStreak: number } | undefined {
    if (!c.health) return undefined;
    const status = c.health.length > 1 ? c.health.shift()! : (c.health[0] ?? 'starting');
    if (status === 'unhealthy') c.failingStreak++;
    else if (status === 'healthy') c.failingStreak = 0;
    return { status, failingStreak: c.failingStreak };
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      names: [c.name],
      image: c.body.Image,
      imageId: this.imageMap.get(c.body.Image) ?? 'sha256:' + hex(0),
      labels: { ...c.labels },
      state: c.status,
      status: c.status === 'running' ? 'Up 1 second' : c.status === 'exited' ? `Exited (${c.exitCode}) 1 second ago` : c.status === 'paused' ? 'Up 1 second (Paused)' : 'Created',
      created: Math.floor(Date.parse(c.created) / 1000),
      networks: Object.fromEntries([...c.networks.keys()].map((n) => [n, { networkId: this.findNetwork(n)?.id ?? '', ipAddress: '', macAddress: '' }])),
      mounts: [],
      ports: [],
    };
  }

  private networkSummary(n: FakeNetwork): NetworkSummary {
    return {
      id: n.id,
      name: n.body.Name,
      driver: n.body.Driver ?? 'bridge',
      scope: 'local',
      internal: n.body.Internal ?? false,
      attachable: n.body.Attachable ?? false,
      enableIPv6: n.body.EnableIPv6 ?? false,
      labels: { ...(n.body.Labels ?? {}) },
      options: { ...(n.body.Options ?? {}) },
      ipam: { driver: n.body.IPAM?.Driver ?? 'default', config: (n.body.IPAM?.Config ?? []).map((c) => ({ ...(c.Subnet ? { subnet: c.Subnet } : {}), ...(c.Gateway ? { gateway: c.Gateway } : {}), ...(c.IPRange ? { ipRange: c.IPRange } : {}) })), options: {} },
      created: n.created,
    };
  }

  private volumeSummary(v: FakeVolume): VolumeSummary {
    return {
      name: v.name,
      driver: v.body.Driver ?? 'local',
      mountpoint: `/fake/volumes/${v.name}/_data`,
      scope: 'local',
      labels: { ...(v.body.Labels ?? {}) },
      options: { ...(v.body.DriverOpts ?? {}) },
      createdAt: v.created,
    };
  }

  // ------------------------------------------------------------ system

  ping(opts?: CallOptions): Promise<void> {
    return this.call('ping', '', [], opts, () => undefined);
  }

  /** Through `version` (a recorded call), so a test can slow it or make it fail. */
  apiVersion(opts?: CallOptions): Promise<string> {
    return this.version(opts).then((v) => v.apiVersion);
  }

  version(opts?: CallOptions): Promise<EngineVersion> {
    return this.call('version', '', [], opts, () => ({ version: '20.10.0-fake', apiVersion: '1.41', minApiVersion: '1.12', os: 'linux', arch: 'amd64' }));
  }

  info(opts?: CallOptions): Promise<EngineInfo> {
    return this.call('info', '', [], opts, () => ({
      id: 'FAKE',
      name: 'fake',
      serverVersion: '20.10.0-fake',
      operatingSystem: 'Fake OS',
      osType: 'linux',
      architecture: 'x86_64',
      cpus: 2,
      memTotal: 2 ** 31,
      storageDriver: 'vfs',
      dockerRootDir: '/fake',
      securityOptions: [],
      raw: {},
    }));
  }

  // ------------------------------------------------------------ containers

  listContainers(opts?: ListContainersOptions): Promise<ContainerSummary[]> {
    return this.call('listContainers', '', [opts], opts, () =>
      [...this.containerMap.values()]
        .filter((c) => (opts?.all || c.status === 'running' || c.status === 'paused') && matchesLabels(c.labels, opts?.labels))
        .filter((c) => !opts?.filters?.name || opts.filters.name.some((n) => c.name.includes(n)))
        .map((c) => this.summary(c)),
    );
  }

  inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInspect> {
    return this.call('inspectContainer', id, [id], opts, () => {
      const c = this.mustFind(id);
      const health = this.healthNow(c);
      return {
        id: c.id,
        name: c.name,
        created: c.created,
        image: this.imageMap.get(c.body.Image) ?? 'sha256:' + hex(0),
        restartCount: 0,
        state: {
          status: c.status,
          running: c.status === 'running' || c.status === 'paused',
          paused: c.status === 'paused',
          restarting: false,
          dead: false,
          pid: c.status === 'running' || c.status === 'paused' ? 4242 : 0,
          exitCode: c.exitCode,
          error: c.error ?? '',
          startedAt: c.startedAt,
          finishedAt: c.finishedAt,
          ...(health ? { health } : {}),
        },
        config: {
          image: c.body.Image,
          hostname: c.body.Hostname ?? c.id.slice(0, 12),
          user: c.body.User ?? '',
          env: c.body.Env ?? [],
          cmd: c.body.Cmd ?? null,
          entrypoint: c.body.Entrypoint ?? null,
          workingDir: c.body.WorkingDir ?? '',
          labels: { ...c.labels },
          tty: c.body.Tty ?? false,
          openStdin: c.body.OpenStdin ?? false,
          ...(c.body.StopSignal ? { stopSignal: c.body.StopSignal } : {}),
          exposedPorts: Object.keys(c.body.ExposedPorts ?? {}),
        },
        hostConfig: {
          networkMode: c.body.HostConfig?.NetworkMode ?? 'default',
          restartPolicy: { name: c.body.HostConfig?.RestartPolicy?.Name ?? 'no', maximumRetryCount: c.body.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0 },
          binds: c.body.HostConfig?.Binds ?? [],
          privileged: c.body.HostConfig?.Privileged ?? false,
          capAdd: c.body.HostConfig?.CapAdd ?? [],
          capDrop: c.body.HostConfig?.CapDrop ?? [],
          init: c.body.HostConfig?.Init ?? null,
          portBindings: {},
        },
        mounts: [],
        networks: Object.fromEntries(
          [...c.networks.entries()].map(([n, cfg]) => [
            n,
            { networkId: this.findNetwork(n)?.id ?? '', endpointId: '', ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: '', aliases: cfg.Aliases ?? [] },
          ]),
        ),
        ports: {},
        raw: {},
      };
    });
  }

  createContainer(name: string | undefined, body: ContainerCreateBody, opts?: CreateContainerOptions): Promise<CreatedContainer> {
    return this.call('createContainer', name ?? '', [name, body, opts?.platform], opts, () => {
      const existing = name !== undefined ? this.find(name) : undefined;
      if (name !== undefined && existing && existing.name === name) {
        throw new EngineError(`Conflict. The container name "/${name}" is already in use by container "${existing.id}". You have to remove (or rename) that container to be able to reuse that name.`, 409);
      }
      const c = this.newContainer(name ?? `fake_${this.ids + 1}`, body);
      this.event(c, 'create');
      return { id: c.id, warnings: [] };
    });
  }

  startContainer(id: string, opts?: CallOptions): Promise<void> {
    return this.call('startContainer', id, [id], opts, () => {
      const c = this.mustFind(id);
      if (c.status === 'running' || c.status === 'paused') return;
      if (c.staleTask) {
        // dockerd 20.10 after a restart under a start: containerd kept the task of this ID.
        c.error = `task ${c.id}: already exists`;
        c.exitCode = 128;
        throw new EngineError(c.error, 500);
      }
      c.status = 'running';
      c.exitCode = 0;
      c.startedAt = new Date().toISOString();
      if (c.health) c.health = ['starting'];
      this.event(c, 'start');
    });
  }

  stopContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
    return this.call('stopContainer', id, [id, timeoutSeconds], opts, () => {
      const c = this.mustFind(id);
      if (c.status !== 'running' && c.status !== 'paused') return;
      this.event(c, 'kill', { signal: '15' });
      this.stopped(c, 0);
      this.event(c, 'stop');
    });
  }

  killContainer(id: string, signal?: string, opts?: CallOptions): Promise<void> {
    return this.call('killContainer', id, [id, signal], opts, () => {
      const c = this.mustFind(id);
      if (c.status !== 'running' && c.status !== 'paused') throw new EngineError(`Cannot kill container: ${id}: Container ${c.id} is not running`, 409);
      this.event(c, 'kill', { signal: signal ?? 'SIGKILL' });
      this.stopped(c, 137);
    });
  }

  pauseContainer(id: string, opts?: CallOptions): Promise<void> {
    return this.call('pauseContainer', id, [id], opts, () => {
      const c = this.mustFind(id);
      if (c.status === 'paused') throw new EngineError(`Container ${c.id} is already paused`, 409);
      if (c.status !== 'running') throw new EngineError(`Container ${c.id} is not running`, 409);
      c.status = 'paused';
    });
  }

  unpauseContainer(id: string, opts?: CallOptions): Promise<void> {
    return this.call('unpauseContainer', id, [id], opts, () => {
      const c = this.mustFind(id);
      if (c.status !== 'paused') throw new EngineError(`Container ${c.id} is not paused`, 409);
      c.status = 'running';
    });
  }

  restartContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void> {
    return this.call('restartContainer', id, [id, timeoutSeconds], opts, () => {
      const c = this.mustFind(id);
      if (c.status === 'running' || c.status === 'paused') {
        this.event(c, 'kill', { signal: '15' });
        this.stopped(c, 0);
        this.event(c, 'stop');
      }
      c.status = 'running';
      c.startedAt = new Date().toISOString();
      if (c.health) c.health = ['starting'];
      this.event(c, 'start');
      this.event(c, 'restart');
    });
  }

  removeContainer(id: string, opts?: RemoveContainerOptions): Promise<void> {
    return this.call('removeContainer', id, [id, { force: opts?.force, volumes: opts?.volumes }], opts, () => {
      const c = this.mustFind(id);
      if ((c.status === 'running' || c.status === 'paused') && !opts?.force) {
        throw new EngineError(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`, 409);
      }
      if (c.status === 'running' || c.status === 'paused') {
        this.event(c, 'kill', { signal: '9' });
        this.stopped(c, 137);
      }
      this.containerMap.delete(c.id);
      this.event(c, 'destroy');
    });
  }

  renameContainer(id: string, newName: string, opts?: CallOptions): Promise<void> {
    return this.call('renameContainer', id, [id, newName], opts, () => {
      const c = this.mustFind(id);
      const taken = this.find(newName);
      if (taken && taken.name === newName && taken !== c) {
        throw new EngineError(`Conflict. The container name "/${newName}" is already in use by container "${taken.id}".`, 409);
      }
      c.name = newName;
    });
  }

  waitContainer(id: string, opts?: WaitOptions): Promise<WaitResult> {
    return this.call('waitContainer', id, [id, opts?.condition], opts, async () => {
      const c = this.mustFind(id);
      if (c.status !== 'running' && c.status !== 'paused' && opts?.condition !== 'next-exit') return { statusCode: c.exitCode };
      return abortable(new Promise<WaitResult>((resolve) => c.waiters.push(resolve)), opts?.signal);
    });
  }

  connectNetwork(networkId: string, containerId: string, endpointConfig?: EndpointConfig, opts?: CallOptions): Promise<void> {
    return this.call('connectNetwork', containerId, [networkId, containerId, endpointConfig], opts, () => {
      const n = this.mustFindNetwork(networkId);
      const c = this.mustFind(containerId);
      if (c.networks.has(n.body.Name)) throw new EngineError(`endpoint with name ${c.name} already exists in network ${n.body.Name}`, 403);
      c.networks.set(n.body.Name, endpointConfig ?? {});
    });
  }

  disconnectNetwork(networkId: string, containerId: string, force?: boolean, opts?: CallOptions): Promise<void> {
    return this.call('disconnectNetwork', containerId, [networkId, containerId, force], opts, () => {
      const n = this.mustFindNetwork(networkId);
      // As the engine: with force, an endpoint whose container is gone goes by its name.
      if (force === true && !this.find(containerId) && n.stale?.delete(containerId)) return;
      const c = this.mustFind(containerId);
      if (!c.networks.delete(n.body.Name)) throw new EngineError(`container ${c.id} is not connected to network ${n.body.Name}`, 403);
    });
  }

  // ------------------------------------------------------------ networks

  listNetworks(opts?: ListByLabelOptions): Promise<NetworkSummary[]> {
    return this.call('listNetworks', '', [opts], opts, () =>
      [...this.networkMap.values()].filter((n) => matchesLabels(n.body.Labels ?? {}, opts?.labels)).map((n) => this.networkSummary(n)),
    );
  }

  inspectNetwork(id: string, opts?: CallOptions): Promise<NetworkInspect> {
    return this.call('inspectNetwork', id, [id], opts, () => {
      const n = this.mustFindNetwork(id);
      const members = [...this.containerMap.values()].filter((c) => c.networks.has(n.body.Name));
      return {
        ...this.networkSummary(n),
        containers: Object.fromEntries([
          ...members.map((c) => [c.id, { name: c.name, endpointId: '', macAddress: '', ipv4Address: '', ipv6Address: '' }] as const),
          ...[...(n.stale ?? [])].map((name, i) => [`ep-${i}${'0'.repeat(60)}`, { name, endpointId: '', macAddress: '', ipv4Address: '', ipv6Address: '' }] as const),
        ]),
        raw: {},
      };
    });
  }

  createNetwork(body: NetworkCreateBody, opts?: CallOptions): Promise<CreatedNetwork> {
    return this.call('createNetwork', body.Name, [body], opts, () => {
      if (this.findNetwork(body.Name)) throw new EngineError(`network with name ${body.Name} already exists`, 409);
      const n: FakeNetwork = { id: this.newId(), body, created: new Date().toISOString() };
      this.networkMap.set(n.id, n);
      return { id: n.id };
    });
  }

  removeNetwork(id: string, opts?: CallOptions): Promise<void> {
    return this.call('removeNetwork', id, [id], opts, () => {
      const n = this.mustFindNetwork(id);
      const leaked = (n.leakedFor ?? 0) > 0;
      if (leaked) n.leakedFor = n.leakedFor! - 1;
      if (leaked || [...this.containerMap.values()].some((c) => c.networks.has(n.body.Name)) || (n.stale?.size ?? 0) > 0) {
        throw new EngineError(`error while removing network: network ${n.body.Name} id ${n.id} has active endpoints`, 403);
      }
      this.networkMap.delete(n.id);
    });
  }

  // ------------------------------------------------------------ volumes

  listVolumes(opts?: ListByLabelOptions): Promise<VolumeSummary[]> {
    return this.call('listVolumes', '', [opts], opts, () =>
      [...this.volumeMap.values()].filter((v) => matchesLabels(v.body.Labels ?? {}, opts?.labels)).map((v) => this.volumeSummary(v)),
    );
  }

  inspectVolume(name: string, opts?: CallOptions): Promise<VolumeInspect> {
    return this.call('inspectVolume', name, [name], opts, () => {
      const v = this.volumeMap.get(name);
      if (!v) throw new EngineError(`get ${name}: no such volume`, 404);
      return { ...this.volumeSummary(v), raw: {} };
    });
  }

  /** As the engine: creating a volume that exists returns it. */
  createVolume(body: VolumeCreateBody, opts?: CallOptions): Promise<VolumeSummary> {
    return this.call('createVolume', body.Name ?? '', [body], opts, () => {
      const name = body.Name ?? hex(++this.ids);
      const v = this.volumeMap.get(name) ?? { body, name, created: new Date().toISOString() };
      this.volumeMap.set(name, v);
      return this.volumeSummary(v);
    });
  }

  removeVolume(name: string, opts?: RemoveVolumeOptions): Promise<void> {
    return this.call('removeVolume', name, [name, opts?.force], opts, () => {
      if (!this.volumeMap.has(name)) throw new EngineError(`get ${name}: no such volume`, 404);
      this.volumeMap.delete(name);
    });
  }

  // ------------------------------------------------------------ images

  inspectImage(ref: string, opts?: CallOptions): Promise<ImageInspect | undefined> {
    return this.call('inspectImage', ref, [ref], opts, () => {
      const id = this.imageMap.get(ref);
      if (!id) return undefined;
      return {
        id,
        repoTags: [ref],
        repoDigests: [],
        created: new Date(0).toISOString(),
        os: 'linux',
        architecture: 'amd64',
        size: 1,
        config: { env: [], cmd: ['sh'], entrypoint: null, workingDir: '', user: '', labels: {}, exposedPorts: [], volumes: [] },
        raw: {},
      };
    });
  }

  listImages(opts?: ListImagesOptions): Promise<ImageSummary[]> {
    return this.call('listImages', '', [opts], opts, () =>
      [...this.imageMap.entries()]
        .filter(([ref]) => !opts?.reference || ref.startsWith(opts.reference.replace(/\*$/, '')))
        .map(([ref, id]) => ({ id, repoTags: [ref], repoDigests: [], created: 0, size: 1, labels: {} })),
    );
  }

  pullImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts?: PullOptions): Promise<void> {
    return this.call('pullImage', ref, [ref, opts?.platform], opts, () => {
      onProgress?.({ status: `Pulling from ${ref}` });
      onProgress?.({ status: 'Downloading', id: 'layer', progress: '[=====>    ] 1B/2B' });
      onProgress?.({ status: `Status: Downloaded newer image for ${ref}` });
      this.imageMap.set(ref, 'sha256:' + hex(++this.ids));
    });
  }

  pushImage(ref: string, _onProgress?: (msg: ProgressMessage) => void, opts?: PushOptions): Promise<void> {
    // A push of an image the engine has succeeds (nothing is sent anywhere); else the engine's 404.
    return this.call('pushImage', ref, [ref], opts, () => {
      if (!this.imageMap.has(ref)) throw new EngineError(`An image does not exist locally with the tag: ${ref}`, 404);
    });
  }

  distributionDigest(ref: string, opts?: PushOptions): Promise<string> {
    return this.call('distributionDigest', ref, [ref], opts, () => {
      throw notSupported('distributionDigest');
    });
  }

  tagImage(source: string, target: string, opts?: CallOptions): Promise<void> {
    return this.call('tagImage', source, [source, target], opts, () => {
      const id = this.imageMap.get(source);
      if (!id) throw new EngineError(`No such image: ${source}`, 404);
      this.imageMap.set(target.includes(':') ? target : `${target}:latest`, id);
    });
  }

  removeImage(ref: string, opts?: RemoveImageOptions): Promise<void> {
    return this.call('removeImage', ref, [ref, opts?.force], opts, () => {
      if (!this.imageMap.delete(ref)) throw new EngineError(`No such image: ${ref}`, 404);
    });
  }

  /** Reads the context to its end, tags a new image ID with every tag. */
  async buildImage(context: NodeJS.ReadableStream, opts: BuildOptions, onProgress?: (p: BuildProgress) => void): Promise<BuildResult> {
    let bytes = 0;
    for await (const chunk of context as AsyncIterable<Buffer>) bytes += chunk.length;
    return this.call('buildImage', opts.tags[0] ?? '', [opts.tags, { ...opts, signal: undefined }], opts, () => {
      onProgress?.({ line: `Step 1/1 : FROM busybox (${bytes} bytes of context)` });
      const id = 'sha256:' + hex(++this.ids);
      for (const t of opts.tags) this.imageMap.set(t.includes(':') ? t : `${t}:latest`, id);
      onProgress?.({ line: `Successfully built ${id.slice(7, 19)}` });
      return { id };
    });
  }

  // ------------------------------------------------------------ not supported

  exec(containerId: string, opts: ExecOptions): Promise<ExecResult> {
    return this.call('exec', containerId, [containerId, opts.cmd], opts, () => {
      throw notSupported('exec');
    });
  }

  logs(containerId: string, opts?: LogsOptions): Promise<NodeJS.ReadableStream> {
    return this.call('logs', containerId, [containerId], opts, () => {
      throw notSupported('logs');
    });
  }

  /**
   * The recorded events since `since`, filtered by type and label: up to `until` and then the
   * stream ends; without `until`, new ones as they happen, until closed or aborted.
   */
  events(opts?: EventsOptions): Promise<EventStream> {
    return this.call('events', '', [opts?.since, opts?.until, opts?.filters], opts, () => {
      const sinceNs = opts?.since === undefined ? 0 : Number(opts.since) * 1e9;
      const untilNs = opts?.until === undefined ? Infinity : Number(opts.until) * 1e9;
      const types = opts?.filters?.type;
      const labels = opts?.filters?.label ?? [];
      const matches = (e: EngineEvent): boolean =>
        e.timeNano >= sinceNs - 1e6 &&
        e.timeNano <= untilNs + 1e6 &&
        (types === undefined || types.includes(e.type)) &&
        labels.every((l) => {
          const [k, ...v] = l.split('=');
          return v.length ? e.attributes[k!] === v.join('=') : k! in e.attributes;
        });
      const copy = (e: EngineEvent): EngineEvent => ({ ...e, attributes: { ...e.attributes } });
      const queue = this.eventLog.filter(matches).map(copy);
      if (opts?.until !== undefined) {
        return { close: () => {}, [Symbol.asyncIterator]: async function* () { yield* queue; } };
      }
      let wake: (() => void) | undefined;
      let closed = false;
      const subscriber = (e: EngineEvent): void => {
        if (!matches(e)) return;
        queue.push(copy(e));
        wake?.();
      };
      const close = (): void => {
        closed = true;
        this.subscribers.delete(subscriber);
        wake?.();
      };
      this.subscribers.add(subscriber);
      opts?.signal?.addEventListener('abort', close, { once: true });
      return {
        close,
        [Symbol.asyncIterator]: async function* () {
          while (!closed) {
            if (queue.length) {
              yield queue.shift()!;
              continue;
            }
            await new Promise<void>((r) => (wake = r));
          }
        },
      };
    });
  }

  putArchive(containerId: string, path: string, _tar: NodeJS.ReadableStream | Buffer, opts?: PutArchiveOptions): Promise<void> {
    return this.call('putArchive', containerId, [containerId, path], opts, () => {
      throw notSupported('putArchive');
    });
  }

  getArchive(containerId: string, path: string, opts?: CallOptions): Promise<Archive> {
    return this.call('getArchive', containerId, [containerId, path], opts, () => {
      throw notSupported('getArchive');
    });
  }

  statArchive(containerId: string, path: string, opts?: CallOptions): Promise<ArchiveStat | undefined> {
    return this.call('statArchive', containerId, [containerId, path], opts, () => {
      throw notSupported('statArchive');
    });
  }

  exportContainer(containerId: string, opts?: CallOptions): Promise<NodeJS.ReadableStream> {
    return this.call('exportContainer', containerId, [containerId], opts, () => {
      throw notSupported('exportContainer');
    });
  }

  commitContainer(containerId: string, opts?: CommitOptions): Promise<CommitResult> {
    return this.call('commitContainer', containerId, [containerId], opts, () => {
      throw notSupported('commitContainer');
    });
  }

  attachContainer(id: string, opts?: AttachOptions): Promise<AttachedStreams> {
    return this.call('attachContainer', id, [id], opts, () => {
      throw notSupported('attachContainer');
    });
  }

  execInteractive(containerId: string, opts: ExecInteractiveOptions): Promise<InteractiveExec> {
    return this.call('execInteractive', containerId, [containerId, opts.cmd], opts, () => {
      throw notSupported('execInteractive');
    });
  }

  execDetached(containerId: string, opts: ExecOptions): Promise<string> {
    return this.call('execDetached', containerId, [containerId, opts.cmd], opts, () => {
      throw notSupported('execDetached');
    });
  }

  resizeContainer(id: string, size: TerminalSize, opts?: CallOptions): Promise<void> {
    return this.call('resizeContainer', id, [id, size], opts, () => {
      const c = this.mustFind(id);
      if (c.status !== 'running' && c.status !== 'paused') throw new EngineError(`Container ${c.id} is not running`, 409);
    });
  }

  top(id: string, opts?: TopOptions): Promise<TopResult> {
    return this.call('top', id, [id, opts?.psArgs], opts, () => {
      const c = this.mustFind(id);
      if (c.status !== 'running' && c.status !== 'paused') throw new EngineError(`Container ${c.id} is not running`, 409);
      return { titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], processes: [['root', '4242', '4200', '0', '00:00', '?', '00:00:00', [...(c.body.Entrypoint ?? []), ...(c.body.Cmd ?? ['sh'])].join(' ')]] };
    });
  }

  stats(id: string, opts?: StatsOptions): Promise<StatsStream> {
    return this.call('stats', id, [id, opts?.stream === true], opts, () => {
      throw notSupported('stats');
    });
  }
}

function toPredicate(m: CallMatcher): (call: FakeCall) => boolean {
  if (typeof m === 'function') return m;
  if (typeof m === 'string') return (c) => c.method === m;
  return (c) => (m.method === undefined || c.method === m.method) && (m.target === undefined || c.target === m.target);
}

/** `p`, or the signal's reason as soon as the signal aborts (as an aborted engine call). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
