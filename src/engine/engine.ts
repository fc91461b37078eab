/**
 * The Engine interface tsfig owns. Everything above `engine/` talks to a Docker engine through
 * this interface only; no dockerode type leaks out of this folder.
 *
 * Conventions:
 * - Ids: any id, unique id prefix or name the engine accepts.
 * - Failures are `EngineError` (statusCode = the engine's HTTP status) or, when the engine
 *   cannot be reached at all, `EngineUnreachableError` (a subclass). An aborted call rejects
 *   with the AbortSignal's `AbortError`, unchanged.
 * - Label filters: `{ key: 'value' }` matches `key=value`, `{ key: true }` matches presence.
 */
import type { Endpoint } from './endpoint.js';

/** Every call takes an optional AbortSignal. */
export interface CallOptions {
  signal?: AbortSignal;
}

export type LabelFilter = Record<string, string | true>;

/** Extra engine filters (`name`, `id`, `status`, ...), passed through as-is. */
export type EngineFilters = Record<string, string[]>;

// ---------------------------------------------------------------- system

export interface EngineVersion {
  version: string;
  apiVersion: string;
  minApiVersion?: string;
  os: string;
  arch: string;
  kernelVersion?: string;
}

export interface EngineInfo {
  id: string;
  name: string;
  serverVersion: string;
  operatingSystem: string;
  osType: string;
  architecture: string;
  cpus: number;
  memTotal: number;
  storageDriver: string;
  dockerRootDir: string;
  securityOptions: string[];
  raw: unknown;
}

// ---------------------------------------------------------------- containers

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerSummary {
  id: string;
  /** Names without the engine's leading `/`. */
  names: string[];
  /** The image as the container was created with (`busybox:latest`, or an id). */
  image: string;
  imageId: string;
  /** The command line as the engine's list shows it (entrypoint and command joined). */
  command?: string;
  labels: Record<string, string>;
  /** `running`, `exited`, ... (a `ContainerState`, typed loosely for newer engines). */
  state: string;
  /** Human status: `Up 3 minutes`, `Exited (0) 2 seconds ago`. */
  status: string;
  /** Creation time, seconds since the epoch. */
  created: number;
  /** Network name -> endpoint, as the list call reports it. */
  networks: Record<string, { networkId: string; ipAddress: string; macAddress: string }>;
  mounts: ContainerMount[];
  /** Ports as `docker ps` reports them (publicPort absent when not published). */
  ports: Array<{ ip?: string; privatePort: number; publicPort?: number; type: string }>;
}

export interface ContainerMount {
  type: string;
  /** Volume name (volume mounts). */
  name?: string;
  source: string;
  destination: string;
  driver?: string;
  mode: string;
  rw: boolean;
}

export interface ContainerNetworkEndpoint {
  networkId: string;
  endpointId: string;
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  ipamConfig?: { ipv4Address?: string; ipv6Address?: string };
}

export interface ContainerInspect {
  id: string;
  /** Name without the leading `/`. */
  name: string;
  /** ISO 8601. */
  created: string;
  /** Image id (sha256:...). */
  image: string;
  restartCount: number;
  state: {
    status: string;
    running: boolean;
    paused: boolean;
    restarting: boolean;
    dead: boolean;
    pid: number;
    exitCode: number;
    error: string;
    startedAt: string;
    finishedAt: string;
    health?: { status: string; failingStreak: number };
  };
  config: {
    /** The image reference the container was created with. */
    image: string;
    hostname: string;
    user: string;
    env: string[];
    cmd: string[] | null;
    entrypoint: string[] | null;
    workingDir: string;
    labels: Record<string, string>;
    tty: boolean;
    openStdin: boolean;
    stopSignal?: string;
    exposedPorts: string[];
  };
  hostConfig: {
    networkMode: string;
    restartPolicy: { name: string; maximumRetryCount: number };
    binds: string[];
    privileged: boolean;
    capAdd: string[];
    capDrop: string[];
    init: boolean | null;
    /** `80/tcp` -> host bindings. */
    portBindings: Record<string, Array<{ hostIp: string; hostPort: string }>>;
  };
  mounts: ContainerMount[];
  /** Network name -> endpoint. */
  networks: Record<string, ContainerNetworkEndpoint>;
  /** Published ports as the engine reports them after start. */
  ports: Record<string, Array<{ hostIp: string; hostPort: string }> | null>;
  /** The engine's full answer, for what the typed subset leaves out. */
  raw: unknown;
}

export interface EndpointConfig {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
  Links?: string[];
  MacAddress?: string;
  DriverOpts?: Record<string, string>;
  [key: string]: unknown;
}

export interface HostConfigBody {
  Binds?: string[];
  Mounts?: Array<Record<string, unknown>>;
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  PublishAllPorts?: boolean;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  Privileged?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  ExtraHosts?: string[];
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  Init?: boolean;
  Links?: string[];
  VolumesFrom?: string[];
  LogConfig?: { Type: string; Config?: Record<string, string> };
  Tmpfs?: Record<string, string>;
  [key: string]: unknown;
}

/** The engine's container-create JSON, typed loosely: tsfig builds it in reconcile/. */
export interface ContainerCreateBody {
  Image: string;
  Hostname?: string;
  Domainname?: string;
  User?: string;
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  StopSignal?: string;
  StopTimeout?: number;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
  HostConfig?: HostConfigBody;
  NetworkingConfig?: { EndpointsConfig?: Record<string, EndpointConfig> };
  [key: string]: unknown;
}

export interface CreateContainerOptions extends CallOptions {
  /** `os[/arch[/variant]]` (API >= 1.41). */
  platform?: string;
}

export interface CreatedContainer {
  id: string;
  warnings: string[];
}

export interface ListContainersOptions extends CallOptions {
  /** Include stopped containers (default false, as the engine). */
  all?: boolean;
  labels?: LabelFilter;
  filters?: EngineFilters;
}

export interface RemoveContainerOptions extends CallOptions {
  force?: boolean;
  /** Also remove the container's anonymous volumes. */
  volumes?: boolean;
}

export interface WaitOptions extends CallOptions {
  condition?: 'not-running' | 'next-exit' | 'removed';
}

export interface WaitResult {
  statusCode: number;
  error?: string;
}

// ---------------------------------------------------------------- exec, logs, events, archives

export interface ExecOptions extends CallOptions {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  privileged?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LogsOptions extends CallOptions {
  follow?: boolean;
  /** Default true. */
  stdout?: boolean;
  /** Default true. */
  stderr?: boolean;
  /** Unix seconds (fractions allowed) or a timestamp string the engine accepts. */
  since?: number | string;
  until?: number | string;
  /** Number of lines from the end, or 'all' (default). */
  tail?: number | 'all';
  timestamps?: boolean;
  /** The output is small (a helper's): read it in one answer rather than as a stream. Ignored with `follow`. */
  buffered?: boolean;
}

export interface EventsOptions extends CallOptions {
  /** Engine event filters: `{ type: ['container'], label: ['io.tsfig.project=x'] }`. */
  filters?: EngineFilters;
  since?: number | string;
  until?: number | string;
}

export interface EngineEvent {
  /** `container`, `network`, `volume`, `image`, ... */
  type: string;
  /** `create`, `start`, `die`, `exec_start: sh -c ...`, `health_status: healthy`, ... */
  action: string;
  /** Actor id: container id, network id, volume name, image ref. */
  id: string;
  attributes: Record<string, string>;
  scope?: string;
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds (a number: precision below a microsecond is lost). */
  timeNano: number;
}

/** A live event subscription: iterate it, and close it when done (or abort the signal). */
export interface EventStream extends AsyncIterable<EngineEvent> {
  close(): void;
}

export interface PutArchiveOptions extends CallOptions {
  noOverwriteDirNonDir?: boolean;
  /** Keep the archive's uid/gid (`docker cp -a`); else the engine makes the files the container's root's. */
  copyUIDGID?: boolean;
}

export interface ArchiveStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface Archive {
  /** A tar stream. */
  stream: NodeJS.ReadableStream;
  stat?: ArchiveStat;
}

/** `POST /commit`: a container's filesystem and config as a new image. */
export interface CommitOptions extends CallOptions {
  /** Repository to tag the image with (no tag: the image is left untagged). */
  repo?: string;
  /** Tag (default `latest` when `repo` is given). */
  tag?: string;
  /** Commit message. */
  comment?: string;
  author?: string;
  /** Pause the container during the commit. Default true, as the engine. */
  pause?: boolean;
  /** Dockerfile instructions applied to the image's config (`CMD ["sh"]`, `ENV A=1`, `LABEL k=v`, ...). */
  changes?: string[];
}

export interface CommitResult {
  /** The new image's ID (`sha256:...`). */
  id: string;
}

// ---------------------------------------------------------------- interactive sessions, top

/** A terminal size in rows (h) and columns (w). */
export interface TerminalSize {
  h: number;
  w: number;
}

export interface AttachOptions extends CallOptions {
  /** Send stdin to the container (it must be created with `OpenStdin`). Default false. */
  stdin?: boolean;
  /** Default true. */
  stdout?: boolean;
  /** Default true. */
  stderr?: boolean;
  /** The container has a TTY: its output comes raw (all of it as stdout), not multiplexed. */
  tty?: boolean;
  /** Also replay the output so far. Default false. */
  logs?: boolean;
  /**
   * The keys that detach (the engine's format: `ctrl-p,ctrl-q`, its default); the engine acts on
   * them only for a TTY container's stdin, then ends the attach and leaves the container running.
   */
  detachKeys?: string;
}

/**
 * A hijacked connection to a process's standard streams (a container's, or an exec's).
 * The output ends when the process's output ends (the engine closes the connection).
 */
export interface AttachedStreams {
  /**
   * The process's stdin; `end()` closes it (a half-close: output keeps coming). Writes after the
   * connection closed are dropped. Null when stdin is not attached.
   */
  stdin: NodeJS.WritableStream | null;
  /** stdout; with a TTY, everything the process writes. */
  stdout: NodeJS.ReadableStream;
  /** stderr (never written to with a TTY). */
  stderr: NodeJS.ReadableStream;
  /** Resolves once the output has ended and both streams are ended. */
  ended: Promise<void>;
  /** Drop the connection now. */
  close(): void;
}

export interface ExecInteractiveOptions extends ExecOptions {
  /** Attach stdin. Default false. */
  stdin?: boolean;
}

export interface InteractiveExec extends AttachedStreams {
  /** The exec instance's id. */
  id: string;
  /** Resize the exec's TTY (only with `tty: true`). */
  resize(size: TerminalSize, opts?: CallOptions): Promise<void>;
  /** Resolves with the command's exit code once it has ended (after its output ended). */
  exitCode: Promise<number>;
}

export interface TopOptions extends CallOptions {
  /** `ps` arguments (default `-ef`). */
  psArgs?: string;
}

/** The processes of a container, as `ps` printed them inside its namespaces. */
export interface TopResult {
  titles: string[];
  processes: string[][];
}

export interface StatsOptions extends CallOptions {
  /**
   * Keep the connection open: a sample about every second (each with the previous one's CPU
   * counters as `precpu_stats`) until closed, aborted, or the container stops. Default false:
   * one sample; the engine then waits for a second reading so `precpu_stats` is filled (~1-2 s).
   */
  stream?: boolean;
  /** Without `stream`: answer at once, without that second reading (API >= 1.41; no CPU %). */
  oneShot?: boolean;
}

/** CPU counters of a stats sample (ns; `system_cpu_usage` is the host's, all CPUs). */
export interface StatsCpu {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null; usage_in_kernelmode?: number; usage_in_usermode?: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data?: { periods?: number; throttled_periods?: number; throttled_time?: number };
}

/**
 * One sample of `GET /containers/{id}/stats` in the engine's own JSON names (what `docker stats`
 * computes from; see stats/compute.ts). Every field may be missing: a stopped container's
 * sample is mostly empty, and cgroup v1 and v2 fill `memory_stats.stats` differently.
 */
export interface ContainerStats {
  id?: string;
  /** With the engine's leading `/`. */
  name?: string;
  read?: string;
  preread?: string;
  cpu_stats?: StatsCpu;
  precpu_stats?: StatsCpu;
  memory_stats?: { usage?: number; max_usage?: number; limit?: number; stats?: Record<string, number> };
  /** Interface name -> counters. */
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number; rx_packets?: number; tx_packets?: number; [key: string]: unknown }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ major?: number; minor?: number; op?: string; value?: number }> | null; [key: string]: unknown };
  pids_stats?: { current?: number; limit?: number };
  [key: string]: unknown;
}

/** Stats samples as they arrive; one only without `stream`. `close()` ends the iteration. */
export interface StatsStream extends AsyncIterable<ContainerStats> {
  close(): void;
}

// ---------------------------------------------------------------- networks

export interface IpamConfig {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkSummary {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  enableIPv6: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  ipam: { driver: string; config: IpamConfig[]; options: Record<string, string> };
  created: string;
}

export interface NetworkInspect extends NetworkSummary {
  /** Container id -> endpoint. */
  containers: Record<string, { name: string; endpointId: string; macAddress: string; ipv4Address: string; ipv6Address: string }>;
  raw: unknown;
}

export interface NetworkCreateBody {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  CheckDuplicate?: boolean;
  IPAM?: {
    Driver?: string;
    Config?: Array<{ Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }>;
    Options?: Record<string, string>;
  };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface CreatedNetwork {
  id: string;
  warning?: string;
}

export interface ListByLabelOptions extends CallOptions {
  labels?: LabelFilter;
  filters?: EngineFilters;
}

// ---------------------------------------------------------------- volumes

export interface VolumeSummary {
  name: string;
  driver: string;
  mountpoint: string;
  scope: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt?: string;
}

export interface VolumeInspect extends VolumeSummary {
  raw: unknown;
}

export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface RemoveVolumeOptions extends CallOptions {
  force?: boolean;
}

// ---------------------------------------------------------------- images

export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** Seconds since the epoch. */
  created: number;
  size: number;
  labels: Record<string, string>;
}

export interface ImageInspect {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** ISO 8601. */
  created: string;
  os: string;
  architecture: string;
  size: number;
  config: {
    env: string[];
    cmd: string[] | null;
    entrypoint: string[] | null;
    workingDir: string;
    user: string;
    labels: Record<string, string>;
    exposedPorts: string[];
    volumes: string[];
    stopSignal?: string;
    healthcheck?: { test?: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number };
  };
  raw: unknown;
}

export interface ListImagesOptions extends CallOptions {
  all?: boolean;
  labels?: LabelFilter;
  /** `reference` filter, e.g. `busybox` or `busybox:*`. */
  reference?: string;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface PullOptions extends CallOptions {
  auth?: RegistryAuth;
  platform?: string;
}

export interface PushOptions extends CallOptions {
  auth?: RegistryAuth;
}

/** One JSON progress message of a pull or push. */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
}

export interface RemoveImageOptions extends CallOptions {
  force?: boolean;
  noprune?: boolean;
}

/** An image build (`POST /build`, the classic builder); names follow the engine's parameters. */
export interface BuildOptions extends CallOptions {
  /** Names to tag the image with (`repo[:tag]`). */
  tags: string[];
  /**
   * A remote context the engine fetches itself (the `remote` parameter): a git URL (`git://`,
   * `git@`, `github.com/`, `http(s)://...git`, with `#ref:subdir`) or the URL of a tarball or a
   * Dockerfile. No body is sent then: the context stream is ignored (pass an empty one).
   */
  remote?: string;
  /** The Dockerfile's path inside the context (archive or remote; default `Dockerfile`). */
  dockerfile?: string;
  buildargs?: Record<string, string>;
  /** The stage to build. */
  target?: string;
  labels?: Record<string, string>;
  /** Network mode of RUN instructions. */
  networkmode?: string;
  /** Size of /dev/shm in bytes. */
  shmsize?: number;
  /** `host:ip` entries for /etc/hosts of RUN instructions. */
  extrahosts?: string[];
  cachefrom?: string[];
  nocache?: boolean;
  /** Pull newer versions of the FROM images. */
  pull?: boolean;
  /** `os[/arch[/variant]]`. */
  platform?: string;
  /** Credentials for the registries of FROM images, by registry address (`X-Registry-Config`). */
  registryConfig?: Record<string, RegistryAuth>;
}

/** What a build reports as it goes: a line of its output, or the progress of a pull it makes. */
export interface BuildProgress {
  /** One line of output (`Step 2/4 : RUN make`, or the command's own), without its newline. */
  line?: string;
  /** Progress of a FROM image's pull. */
  pull?: ProgressMessage;
}

export interface BuildResult {
  /** The built image's ID (`sha256:...`). */
  id: string;
}

// ---------------------------------------------------------------- the interface, by capability

/**
 * The Engine, one interface per capability; `Engine` is all of them. Code that needs only some
 * (a test's fake, `stats`, the log follower) takes the capability, or a `Pick` of it.
 */

/** Where this engine lives (for messages: `endpoint.url`). */
export interface EngineEndpoint {
  readonly endpoint: Endpoint;
}

/** The engine itself: liveness, version, host facts, and its event feed. */
export interface EngineSystem {
  ping(opts?: CallOptions): Promise<void>;
  version(opts?: CallOptions): Promise<EngineVersion>;
  /**
   * The API version the engine speaks (as `version().apiVersion`), without a call of its own when
   * an earlier answer named it (the engine's `Api-Version` header): a no-op `up` asks for nothing
   * but its lists.
   */
  apiVersion(opts?: CallOptions): Promise<string>;
  info(opts?: CallOptions): Promise<EngineInfo>;
  /** Subscribe to engine events; resolves once subscribed. Aborting the signal ends the iteration. */
  events(opts?: EventsOptions): Promise<EventStream>;
}

/** Containers: listing, inspecting, creating, the lifecycle, waiting. */
export interface EngineContainers {
  listContainers(opts?: ListContainersOptions): Promise<ContainerSummary[]>;
  inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInspect>;
  createContainer(name: string | undefined, body: ContainerCreateBody, opts?: CreateContainerOptions): Promise<CreatedContainer>;
  /** Already running is success. */
  startContainer(id: string, opts?: CallOptions): Promise<void>;
  /** Already stopped is success. `timeoutSeconds`: grace period before SIGKILL (engine default when absent). */
  stopContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void>;
  killContainer(id: string, signal?: string, opts?: CallOptions): Promise<void>;
  pauseContainer(id: string, opts?: CallOptions): Promise<void>;
  unpauseContainer(id: string, opts?: CallOptions): Promise<void>;
  restartContainer(id: string, timeoutSeconds?: number, opts?: CallOptions): Promise<void>;
  removeContainer(id: string, opts?: RemoveContainerOptions): Promise<void>;
  renameContainer(id: string, newName: string, opts?: CallOptions): Promise<void>;
  waitContainer(id: string, opts?: WaitOptions): Promise<WaitResult>;
}

/** What a container prints and uses: its logs, its resource usage, its processes. */
export interface EngineMonitor {
  /**
   * The raw log stream: multiplexed with 8-byte headers unless the container has a TTY
   * (see `demux` in streams.ts). Ends when the logs end (or the container stops, with follow).
   */
  logs(containerId: string, opts?: LogsOptions): Promise<NodeJS.ReadableStream>;
  /** Resource usage samples of a container (`GET /containers/{id}/stats`). */
  stats(id: string, opts?: StatsOptions): Promise<StatsStream>;
  /** The processes running in a container. */
  top(id: string, opts?: TopOptions): Promise<TopResult>;
}

/** Running commands in containers and attaching to their streams (hijacked connections). */
export interface EngineExec {
  /** Run a command in a running container, collect its output and exit code. */
  exec(containerId: string, opts: ExecOptions): Promise<ExecResult>;
  /** Run a command in a running container with its streams attached (interactive `exec`). */
  execInteractive(containerId: string, opts: ExecInteractiveOptions): Promise<InteractiveExec>;
  /** Start a command in a running container and return at once (`exec -d`); resolves with the exec id. */
  execDetached(containerId: string, opts: ExecOptions): Promise<string>;
  /**
   * Attach to a container's standard streams (a hijacked connection). Attach before starting
   * the container to see all of its output.
   */
  attachContainer(id: string, opts?: AttachOptions): Promise<AttachedStreams>;
  /** Resize a container's TTY. */
  resizeContainer(id: string, size: TerminalSize, opts?: CallOptions): Promise<void>;
}

/** Files in containers, as tar archives. */
export interface EngineFiles {
  /** Extract a tar archive (stream or buffer) into `path` inside the container. */
  putArchive(containerId: string, path: string, tar: NodeJS.ReadableStream | Buffer, opts?: PutArchiveOptions): Promise<void>;
  /** A tar archive of `path` inside the container. */
  getArchive(containerId: string, path: string, opts?: CallOptions): Promise<Archive>;
  /** What `path` is inside the container, without its content; undefined when it does not exist. */
  statArchive(containerId: string, path: string, opts?: CallOptions): Promise<ArchiveStat | undefined>;
  /** The container's whole filesystem as a tar stream (`GET /containers/{id}/export`). */
  exportContainer(containerId: string, opts?: CallOptions): Promise<NodeJS.ReadableStream>;
}

export interface EngineNetworks {
  listNetworks(opts?: ListByLabelOptions): Promise<NetworkSummary[]>;
  inspectNetwork(id: string, opts?: CallOptions): Promise<NetworkInspect>;
  createNetwork(body: NetworkCreateBody, opts?: CallOptions): Promise<CreatedNetwork>;
  removeNetwork(id: string, opts?: CallOptions): Promise<void>;
  connectNetwork(networkId: string, containerId: string, endpointConfig?: EndpointConfig, opts?: CallOptions): Promise<void>;
  disconnectNetwork(networkId: string, containerId: string, force?: boolean, opts?: CallOptions): Promise<void>;
}

export interface EngineVolumes {
  listVolumes(opts?: ListByLabelOptions): Promise<VolumeSummary[]>;
  inspectVolume(name: string, opts?: CallOptions): Promise<VolumeInspect>;
  createVolume(body: VolumeCreateBody, opts?: CallOptions): Promise<VolumeSummary>;
  removeVolume(name: string, opts?: RemoveVolumeOptions): Promise<void>;
}

/** Images: inspecting, listing, registries, tags, builds, and commits of containers. */
export interface EngineImages {
  /** undefined when the engine does not have the image. */
  inspectImage(ref: string, opts?: CallOptions): Promise<ImageInspect | undefined>;
  listImages(opts?: ListImagesOptions): Promise<ImageSummary[]>;
  /** Resolves when the pull finished; an error message inside the progress stream rejects. */
  pullImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts?: PullOptions): Promise<void>;
  pushImage(ref: string, onProgress?: (msg: ProgressMessage) => void, opts?: PushOptions): Promise<void>;
  /**
   * The digest of the manifest the registry holds for `ref` (`GET /distribution/{ref}/json`:
   * the engine asks the registry, with `auth`); `config --resolve-image-digests` pins images with it.
   */
  distributionDigest(ref: string, opts?: PushOptions): Promise<string>;
  /** Tag `source` as `target` (`repo[:tag]`, tag defaults to latest). */
  tagImage(source: string, target: string, opts?: CallOptions): Promise<void>;
  removeImage(ref: string, opts?: RemoveImageOptions): Promise<void>;
  /**
   * Build an image from a context archive (a tar stream). Resolves with the image ID once the
   * build finished; a failing step rejects with an EngineError naming the step.
   */
  buildImage(context: NodeJS.ReadableStream, opts: BuildOptions, onProgress?: (p: BuildProgress) => void): Promise<BuildResult>;
  /** A new image from the container (`POST /commit`). */
  commitContainer(containerId: string, opts?: CommitOptions): Promise<CommitResult>;
}

/** Every capability: what `connect` returns. */
export type Engine = EngineEndpoint &
  EngineSystem &
  EngineContainers &
  EngineMonitor &
  EngineExec &
  EngineFiles &
  EngineNetworks &
  EngineVolumes &
  EngineImages;

/** One host of a project: its name (`default` or a `hosts:` key), its endpoint URL, and its engine. */
export interface HostEngine {
  name: string;
  endpoint: string;
  engine: Engine;
}
