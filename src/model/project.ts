/**
 * The resolved project: the Compose Specification's canonical long form plus tsfig's
 * `hosts` and per-service `host`. Plain data, produced by config/ and read by everyone.
 */

export interface Project {
  name: string;
  /** Absolute project directory. */
  workingDir: string;
  /** Absolute paths of the files that were merged, in order. */
  files: string[];
  services: Record<string, Service>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, FileObjectConfig>;
  configs: Record<string, FileObjectConfig>;
  hosts: Record<string, HostConfig>;
  /** Services present in the file but disabled by profiles. */
  disabledServices: Record<string, Service>;
  /** `x-*` keys at the top level, kept as written. */
  extensions: Record<string, unknown>;
}

export interface PortConfig {
  /** Container port. */
  target: number;
  /** Host port or range ("8080", "8000-8010"); absent = random. */
  published?: string;
  host_ip?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  mode?: 'host' | 'ingress';
  name?: string;
  app_protocol?: string;
}

export type VolumeType = 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';

export interface ServiceVolume {
  type: VolumeType;
  /** Host path (absolute, for bind) or volume name; absent for anonymous volumes and tmpfs. */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z' };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number; mode?: number };
  image?: { subpath?: string };
}

/**
 * `x-*` keys inside an object the loader keeps as written (a network attachment, `deploy`, ...):
 * kept, never read by tsfig. A service's and a build's own `x-*` keys are in their `extensions`.
 */
export type XKeys = { [key: `x-${string}`]: unknown };

/** `list_or_dict` kept as written: `["K=V", "K"]` or `{K: V}` (scalars or null). */
export type ListOrDict = string[] | Record<string, string | number | boolean | null>;

/** A secret or config granted to a service: its name, or the long form as written. */
export type ServiceFileRef = string | ({ source?: string; target?: string; uid?: string; gid?: string; mode?: number | string } & XKeys);

export interface BuildConfig {
  /** Absolute directory, or a remote context (`isRemoteContext`) as written. */
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  /** Bytes. */
  shm_size?: number;
  extra_hosts?: string[];
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean | string;
  pull?: boolean | string;
  ssh?: ListOrDict;
  secrets?: ServiceFileRef[];
  platforms?: string[];
  additional_contexts?: ListOrDict;
  isolation?: string;
  tags?: string[];
  privileged?: boolean | string;
  ulimits?: Record<string, number | string | ({ soft: number | string; hard: number | string } & XKeys)>;
  entitlements?: string[];
  provenance?: string | boolean;
  sbom?: string | boolean;
  /** The build's `x-*` keys, as written. */
  extensions?: Record<string, unknown>;
}

export type DependsOnCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface DependsOn {
  condition: DependsOnCondition;
  restart?: boolean;
  required: boolean;
}

export interface Healthcheck {
  test?: string[];
  /** Durations in nanoseconds, as the engine takes them. */
  interval?: number;
  timeout?: number;
  retries?: number;
  start_period?: number;
  start_interval?: number;
  disable?: boolean;
}

export type ServiceNetwork = {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number | string;
  gw_priority?: number | string;
  driver_opts?: Record<string, string | number>;
  interface_name?: string;
} & XKeys;

export interface ServiceLink {
  service: string;
  alias: string;
}

/** `ulimits`: a single limit, or soft and hard (-1: unlimited). */
export type Ulimit = number | { soft: number; hard: number };

/** A command run in the service's containers (`post_start`, `pre_stop`, `develop.watch[].exec`), as written. */
export type ServiceHook = {
  command: string | string[] | null;
  user?: string;
  privileged?: boolean | string;
  working_dir?: string;
  environment?: ListOrDict;
} & XKeys;

/** A device request (`gpus`, `deploy.resources.reservations.devices`), as written. */
export type DeviceRequestConfig = {
  capabilities?: string[];
  count?: number | string;
  device_ids?: string[];
  driver?: string;
  options?: ListOrDict;
} & XKeys;

export type BlkioLimit = { path?: string; rate?: number | string } & XKeys;

export type BlkioConfig = {
  weight?: number | string;
  weight_device?: Array<{ path?: string; weight?: number | string } & XKeys>;
  device_read_bps?: BlkioLimit[];
  device_read_iops?: BlkioLimit[];
  device_write_bps?: BlkioLimit[];
  device_write_iops?: BlkioLimit[];
} & XKeys;

export type UpdateConfig = {
  parallelism?: number | string;
  delay?: string;
  failure_action?: string;
  monitor?: string;
  max_failure_ratio?: number | string;
  order?: 'start-first' | 'stop-first';
} & XKeys;

/** `deploy`, as written (the engine backend reads resources and restart_policy; replicas is the scale). */
export type DeployConfig = {
  mode?: string;
  endpoint_mode?: string;
  replicas?: number | string;
  labels?: ListOrDict;
  rollback_config?: UpdateConfig;
  update_config?: UpdateConfig;
  resources?: {
    limits?: { cpus?: number | string; memory?: string; pids?: number | string } & XKeys;
    reservations?: {
      cpus?: number | string;
      memory?: string;
      generic_resources?: Array<{ discrete_resource_spec?: { kind?: string; value?: number | string } & XKeys } & XKeys>;
      devices?: DeviceRequestConfig[];
    } & XKeys;
  } & XKeys;
  restart_policy?: { condition?: string; delay?: string; max_attempts?: number | string; window?: string } & XKeys;
  placement?: {
    constraints?: string[];
    preferences?: Array<{ spread?: string } & XKeys>;
    max_replicas_per_node?: number | string;
  } & XKeys;
} & XKeys;

/** One `develop.watch` rule: `path` absolute, `ignore`/`include` lists (the loader's canonical form). */
export type WatchRuleConfig = {
  path: string;
  action: 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';
  target?: string;
  ignore?: string[];
  include?: string[];
  initial_sync?: boolean | string;
  exec?: ServiceHook;
} & XKeys;

export type DevelopConfig = { watch?: WatchRuleConfig[] } & XKeys;

export type LoggingConfig = { driver?: string; options?: Record<string, string | number | null> } & XKeys;

/** A device: `HOST[:CONTAINER[:PERMISSIONS]]` or the long form, as written. */
export type DeviceMapping = string | ({ source: string; target?: string; permissions?: string } & XKeys);

/**
 * A service in the canonical long form: every key the Compose Specification (and tsfig's
 * `host`) allows, typed as config/canonical.ts leaves it. Keys the loader normalises have their
 * normal type (durations in ns, sizes in bytes, flags as booleans, lists as lists); keys it keeps
 * as written (`deploy`, `blkio_config`, `devices`, ...) have the schema's type, which still
 * allows strings where a number is meant (interpolated values).
 */
export interface Service {
  name: string;
  image?: string;
  build?: BuildConfig;
  pull_policy?: string;
  pull_refresh_after?: string;
  platform?: string;
  command?: string[] | null;
  entrypoint?: string[] | null;
  working_dir?: string;
  user?: string;
  environment: Record<string, string | null>;
  /** Keys of `environment` whose values came from `env_file` (redacted in output). */
  envFromFile?: string[];
  stdin_open?: boolean;
  tty?: boolean;
  init?: boolean;
  stop_signal?: string;
  /** Nanoseconds. */
  stop_grace_period?: number;
  /** `no`, `always`, `on-failure[:N]`, `unless-stopped`. */
  restart?: string;
  healthcheck?: Healthcheck;
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
  container_name?: string;
  hostname?: string;
  domainname?: string;
  labels: Record<string, string>;
  annotations?: ListOrDict;
  profiles: string[];
  attach?: boolean | string;
  scale?: number;
  host?: string;
  ports: PortConfig[];
  expose: string[];
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  links: ServiceLink[];
  external_links: string[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  /** `host:ip` entries. */
  extra_hosts?: string[];
  mac_address?: string;
  depends_on: Record<string, DependsOn>;
  volumes_from: string[];
  volumes: ServiceVolume[];
  volume_driver?: string;
  tmpfs?: string[];
  secrets?: ServiceFileRef[];
  configs?: ServiceFileRef[];
  storage_opt?: Record<string, string | number>;
  logging?: LoggingConfig;
  /** Bytes. */
  mem_limit?: number;
  /** Bytes, or -1 for unlimited swap. */
  memswap_limit?: number;
  mem_reservation?: number;
  mem_swappiness?: number;
  cpu_shares?: number;
  cpus?: number;
  cpuset?: string;
  cpu_quota?: number;
  cpu_period?: number;
  /** Microseconds, or a duration as written. */
  cpu_rt_runtime?: number | string;
  cpu_rt_period?: number | string;
  cpu_count?: number;
  cpu_percent?: number;
  pids_limit?: number;
  /** Bytes. */
  shm_size?: number;
  ulimits?: Record<string, Ulimit>;
  oom_score_adj?: number;
  oom_kill_disable?: boolean;
  blkio_config?: BlkioConfig;
  device_cgroup_rules?: string[];
  devices?: DeviceMapping[];
  gpus?: 'all' | DeviceRequestConfig[];
  deploy?: DeployConfig | null;
  cap_add?: string[];
  cap_drop?: string[];
  privileged?: boolean;
  security_opt?: string[];
  read_only?: boolean;
  sysctls?: Record<string, string>;
  group_add?: string[];
  ipc?: string;
  pid?: string | null;
  uts?: string;
  userns_mode?: string;
  cgroup?: 'host' | 'private';
  cgroup_parent?: string;
  isolation?: string;
  runtime?: string;
  credential_spec?: { config?: string; file?: string; registry?: string } & XKeys;
  use_api_socket?: boolean | string;
  develop?: DevelopConfig | null;
  provider?: { type: string; options?: Record<string, string | number | boolean | Array<string | number | boolean>> } & XKeys;
  models?: string[] | Record<string, { endpoint_var?: string; model_var?: string } & XKeys>;
  /** The service's `x-*` keys, as written (hashed and shown by `tsfig config` as top-level keys of the service). */
  extensions?: Record<string, unknown>;
}

/**
 * A top-level network as written (the loader adds `name` and turns the legacy `external: {name}`
 * and `external: "true"|"false"` into a boolean).
 *
 * Not yet as the loader leaves them (issue 13 follow-up; normalising them in config/finalize.ts
 * changes network config hashes): `labels` may be a `["K=V"]` list, `driver_opts` values numbers,
 * and `internal`/`attachable`/`enable_ipv6` the strings "true"/"false" (interpolated). The same
 * holds for volumes, secrets and configs.
 */
export type NetworkConfig = {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: Array<{ subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Record<string, string> } & XKeys>;
    options?: Record<string, string>;
  } & XKeys;
  external?: boolean;
  internal?: boolean;
  enable_ipv4?: boolean | string;
  enable_ipv6?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  mtu?: number | string;
  /** tsfig overlay networks: the VXLAN id (derived when absent). */
  vni?: number | string;
} & XKeys;

/** A top-level volume as written (`name` added, `external` as for networks). */
export type VolumeConfig = {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
} & XKeys;

/** A top-level secret or config as written (`name` added, `file` made absolute). */
export type FileObjectConfig = {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: ListOrDict;
  driver?: string;
  driver_opts?: Record<string, string | number>;
  template_driver?: string;
} & XKeys;

export interface HostConfig {
  name: string;
  /** Engine endpoint: unix://, tcp://, ssh://. */
  docker: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** ssh:// endpoints: the private key and the known_hosts file (absolute paths, or `~/...`). */
  ssh?: { identity?: string; known_hosts?: string };
  /** Underlay address for the overlay; detected when absent. */
  address?: string;
  mtu?: number;
  /** Image of the plumbing helper container. */
  helper_image?: string;
}
