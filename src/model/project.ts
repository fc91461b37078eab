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

export interface BuildConfig {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  target?: string;
  labels?: Record<string, string>;
  network?: string;
  shm_size?: number;
  extra_hosts?: string[];
  cache_from?: string[];
  no_cache?: boolean;
  pull?: boolean;
  [key: string]: unknown;
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

export interface ServiceNetwork {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
  driver_opts?: Record<string, string>;
}

export interface ServiceLink {
  service: string;
  alias: string;
}

export interface Service {
  name: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment: Record<string, string | null>;
  /** Keys of `environment` whose values came from `env_file` (redacted in output). */
  envFromFile?: string[];
  labels: Record<string, string>;
  ports: PortConfig[];
  expose: string[];
  volumes: ServiceVolume[];
  volumes_from: string[];
  links: ServiceLink[];
  external_links: string[];
  depends_on: Record<string, DependsOn>;
  networks?: Record<string, ServiceNetwork | null>;
  network_mode?: string;
  healthcheck?: Healthcheck;
  host?: string;
  container_name?: string;
  profiles: string[];
  scale?: number;
  /** Every other key of the Compose Specification, already validated by the schema. */
  [key: string]: unknown;
}

export interface NetworkConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: Array<{ subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Record<string, string> }>;
    options?: Record<string, string>;
  };
  external?: boolean;
  internal?: boolean;
  enable_ipv6?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  mtu?: number;
  [key: string]: unknown;
}

export interface VolumeConfig {
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface FileObjectConfig {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  [key: string]: unknown;
}

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
