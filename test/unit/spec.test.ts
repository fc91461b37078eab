/**
 * reconcile/spec.ts: one service key at a time, from a real project file through the real
 * loader (so the table exercises the canonical form) to the container-create body.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Project } from '../../src/model/project.js';
import { compareApiVersions, containerSpec, SpecError, type ContainerSpec, type SpecErrorCode, type SpecInput } from '../../src/reconcile/spec.js';
import { errorsOf, load, projectDir } from '../support/project.js';

const CONTAINERS: Record<string, string> = { other: 'p-other-1', db: 'p-db-1' };

/** Loads `{services: {s: {image: busybox, ...svc}, other, db}, ...top}` and returns the project. */
function projectOf(svc: Record<string, unknown>, top: Record<string, unknown> = {}, env: Record<string, string> = {}): Project {
  const doc = {
    name: 'p',
    services: {
      s: { image: 'busybox', ...svc },
      other: { image: 'busybox' },
      db: { image: 'busybox' },
    },
    ...top,
  };
  const dir = projectDir({ 'fig.yml': stringify(doc), 's1.txt': 'secret\n' });
  const r = load(dir, { env: { HOME: '/home/u', ...env } });
  expect(errorsOf(r)).toEqual([]);
  return r.project!;
}

function specOf(
  svc: Record<string, unknown>,
  opts: { top?: Record<string, unknown>; input?: Partial<SpecInput>; env?: Record<string, string> } = {},
): ContainerSpec {
  const project = projectOf(svc, opts.top, opts.env);
  return containerSpec({
    project,
    service: project.services.s!,
    number: 1,
    containerName: 'p-s-1',
    image: 'busybox',
    labels: { 'io.tsfig.project': 'p' },
    containerOf: (name) => CONTAINERS[name],
    apiVersion: '1.41',
    ...opts.input,
  });
}

interface Row {
  key: string;
  svc: Record<string, unknown>;
  top?: Record<string, unknown>;
  input?: Partial<SpecInput>;
  env?: Record<string, string>;
  /** Matched with toMatchObject against the body. */
  want?: Record<string, unknown>;
  check?: (spec: ContainerSpec) => void;
}

const nets = (names: string[]) => Object.fromEntries(names.map((n) => [n, {}]));

const table: Row[] = [
  { key: 'image', svc: {}, want: { Image: 'busybox' } },
  { key: 'command (string, split like a shell)', svc: { command: 'echo "a b" c' }, want: { Cmd: ['echo', 'a b', 'c'] } },
  { key: 'command (list)', svc: { command: ['sh', '-c', 'exit 0'] }, want: { Cmd: ['sh', '-c', 'exit 0'] } },
  { key: 'command null = image default', svc: { command: null }, check: (s) => expect(s.body).not.toHaveProperty('Cmd') },
  { key: 'entrypoint', svc: { entrypoint: ['/bin/sh', '-c'] }, want: { Entrypoint: ['/bin/sh', '-c'] } },
  { key: 'entrypoint "" clears the image entrypoint', svc: { entrypoint: '' }, check: (s) => expect(s.body.Entrypoint).toEqual([]) },
  { key: 'entrypoint [] clears too', svc: { entrypoint: [] }, check: (s) => expect(s.body.Entrypoint).toEqual([]) },
  { key: 'working_dir', svc: { working_dir: '/srv' }, want: { WorkingDir: '/srv' } },
  { key: 'user', svc: { user: '1000:1000' }, want: { User: '1000:1000' } },
  { key: 'hostname', svc: { hostname: 'h1' }, want: { Hostname: 'h1' } },
  { key: 'domainname', svc: { domainname: 'example.test' }, want: { Domainname: 'example.test' } },
  {
    key: 'environment (null value = bare KEY: the engine unsets it)',
    svc: { environment: { A: '1', B: null, C: '' } },
    check: (s) => expect(s.body.Env).toEqual(['A=1', 'B', 'C=']),
  },
  {
    key: 'environment bare key resolved from the shell',
    svc: { environment: ['FROM_SHELL'] },
    env: { FROM_SHELL: 'yes' },
    check: (s) => expect(s.body.Env).toEqual(['FROM_SHELL=yes']),
  },
  {
    key: 'labels: service labels under tsfig labels',
    svc: { labels: { a: '1', 'io.tsfig.project': 'spoof' } },
    check: (s) => expect(s.body.Labels).toEqual({ a: '1', 'io.tsfig.project': 'p' }),
  },
  {
    key: 'ports',
    svc: { ports: ['8080:80', '127.0.0.1::81/udp', '9000-9001:9000-9001', '7000-7010:53/sctp', { target: 82, published: 8082, host_ip: '::1' }, '83'] },
    want: {
      ExposedPorts: { '80/tcp': {}, '81/udp': {}, '9000/tcp': {}, '9001/tcp': {}, '53/sctp': {}, '82/tcp': {}, '83/tcp': {} },
      HostConfig: {
        PortBindings: {
          '80/tcp': [{ HostPort: '8080' }],
          '81/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '9000/tcp': [{ HostPort: '9000' }],
          '9001/tcp': [{ HostPort: '9001' }],
          '53/sctp': [{ HostPort: '7000-7010' }],
          '82/tcp': [{ HostIp: '::1', HostPort: '8082' }],
          '83/tcp': [{ HostPort: '' }],
        },
      },
    },
  },
  {
    key: 'ports: one container port published twice',
    svc: { ports: ['8080:80', '8081:80'] },
    want: { HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }, { HostPort: '8081' }] } } },
  },
  {
    key: 'expose',
    svc: { expose: [3000, '4000/udp', '5000-5002'] },
    check: (s) => {
      expect(s.body.ExposedPorts).toEqual({ '3000/tcp': {}, '4000/udp': {}, '5000/tcp': {}, '5001/tcp': {}, '5002/tcp': {} });
      expect(s.body.HostConfig?.PortBindings).toBeUndefined();
    },
  },
  {
    key: 'volumes: short bind -> Binds (host path created if missing)',
    svc: { volumes: ['/srv/data:/data', './conf:/conf:ro', '/x:/x:Z', '/y:/y:ro,z,rshared'] },
    check: (s) => {
      const dir = s.body.HostConfig?.Binds?.[1]?.split(':')[0];
      expect(dir).toMatch(/\/proj\/conf$/);
      expect(s.body.HostConfig?.Binds).toEqual(['/srv/data:/data:rw', `${dir}:/conf:ro`, '/x:/x:rw,Z', '/y:/y:ro,z,rshared']);
      expect(s.body.HostConfig?.Mounts).toBeUndefined();
    },
  },
  {
    key: 'volumes: bind with create_host_path false -> Mount (fails if missing)',
    svc: { volumes: [{ type: 'bind', source: '/srv', target: '/srv', read_only: true, bind: { create_host_path: false, propagation: 'rslave' } }] },
    check: (s) => {
      expect(s.body.HostConfig?.Binds).toBeUndefined();
      expect(s.body.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/srv', Target: '/srv', ReadOnly: true, BindOptions: { Propagation: 'rslave' } }]);
    },
  },
  {
    key: 'volumes: named volume -> the project volume name; nocopy',
    svc: { volumes: ['data:/data:ro', { type: 'volume', source: 'data', target: '/d2', volume: { nocopy: true } }] },
    top: { volumes: { data: {} } },
    check: (s) =>
      expect(s.body.HostConfig?.Mounts).toEqual([
        { Type: 'volume', Source: 'p_data', Target: '/data', ReadOnly: true },
        { Type: 'volume', Source: 'p_data', Target: '/d2', VolumeOptions: { NoCopy: true } },
      ]),
  },
  {
    key: 'volumes: named volume with an explicit name',
    svc: { volumes: ['data:/data'] },
    top: { volumes: { data: { name: 'shared-data', external: true } } },
    want: { HostConfig: { Mounts: [{ Type: 'volume', Source: 'shared-data', Target: '/data' }] } },
  },
  {
    key: 'volumes: anonymous -> volume Mount without Source',
    svc: { volumes: ['/cache'] },
    check: (s) => expect(s.body.HostConfig?.Mounts).toEqual([{ Type: 'volume', Target: '/cache' }]),
  },
  {
    key: 'volumes: anonymous reused on recreate; image volumes mounted too',
    svc: { volumes: ['/cache', '/conf:/etc/x'] },
    input: { anonymousVolumes: { '/cache': 'abc123', '/var/lib/img': 'def456', '/etc/x': 'ignored' } },
    check: (s) => {
      expect(s.body.HostConfig?.Mounts).toEqual([
        { Type: 'volume', Source: 'abc123', Target: '/cache' },
        { Type: 'volume', Source: 'def456', Target: '/var/lib/img' },
      ]);
      expect(s.body.HostConfig?.Binds).toEqual(['/conf:/etc/x:rw']);
    },
  },
  {
    key: 'volumes: tmpfs with size and mode',
    svc: { volumes: [{ type: 'tmpfs', target: '/scratch', tmpfs: { size: '64m', mode: '1777' } }] },
    want: { HostConfig: { Mounts: [{ Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 } }] } },
  },
  {
    key: 'volume_driver: anonymous volumes get the driver',
    svc: { volume_driver: 'local', volumes: ['/cache'] },
    want: { HostConfig: { VolumeDriver: 'local', Mounts: [{ Type: 'volume', Target: '/cache', VolumeOptions: { DriverConfig: { Name: 'local' } } }] } },
  },
  {
    key: 'volumes_from',
    svc: { volumes_from: ['other', 'db:ro', 'container:ext', 'container:ext2:rw'] },
    want: { HostConfig: { VolumesFrom: ['p-other-1', 'p-db-1:ro', 'ext', 'ext2:rw'] } },
  },
  {
    key: 'links: on every network endpoint as container:alias',
    svc: { links: ['other', 'db:database'], external_links: ['outside', 'far:near'], networks: ['a', 'b'] },
    top: { networks: nets(['a', 'b']) },
    check: (s) => {
      const links = ['p-other-1:other', 'p-db-1:database', 'outside:outside', 'far:near'];
      expect(s.body.NetworkingConfig?.EndpointsConfig?.p_a?.Links).toEqual(links);
      expect(s.extraNetworks[0]?.config.Links).toEqual(links);
      expect(s.body.HostConfig?.Links).toBeUndefined();
    },
  },
  {
    key: 'links: on the default bridge in HostConfig.Links (the engine adds the env vars)',
    svc: { links: ['other:o'], network_mode: 'bridge' },
    check: (s) => {
      expect(s.body.HostConfig).toMatchObject({ NetworkMode: 'bridge', Links: ['p-other-1:o'] });
      expect(s.body.NetworkingConfig).toBeUndefined();
    },
  },
  {
    key: 'links: a linked service without a container gives no link (compose)',
    svc: { links: ['nobody'] },
    top: { services: { s: { image: 'busybox', links: ['nobody'] }, nobody: { image: 'busybox' } } },
    check: (s) => expect(s.body.NetworkingConfig?.EndpointsConfig?.p_default?.Links).toBeUndefined(),
  },
  { key: 'dns', svc: { dns: '10.0.0.2' }, want: { HostConfig: { Dns: ['10.0.0.2'] } } },
  { key: 'dns_search', svc: { dns_search: ['a.test', 'b.test'] }, want: { HostConfig: { DnsSearch: ['a.test', 'b.test'] } } },
  { key: 'dns_opt', svc: { dns_opt: ['ndots:2'] }, want: { HostConfig: { DnsOptions: ['ndots:2'] } } },
  {
    key: 'extra_hosts',
    svc: { extra_hosts: ['a.test:10.0.0.1', 'b.test=::1', 'gw:host-gateway'] },
    want: { HostConfig: { ExtraHosts: ['a.test:10.0.0.1', 'b.test:::1', 'gw:host-gateway'] } },
  },
  { key: 'mem_limit', svc: { mem_limit: '64m' }, want: { HostConfig: { Memory: 64 * 1024 * 1024 } } },
  { key: 'memswap_limit', svc: { memswap_limit: '128m' }, want: { HostConfig: { MemorySwap: 128 * 1024 * 1024 } } },
  { key: 'memswap_limit -1 (unlimited)', svc: { memswap_limit: -1 }, want: { HostConfig: { MemorySwap: -1 } } },
  { key: 'mem_reservation', svc: { mem_reservation: '32m' }, want: { HostConfig: { MemoryReservation: 32 * 1024 * 1024 } } },
  { key: 'mem_swappiness', svc: { mem_swappiness: 0 }, want: { HostConfig: { MemorySwappiness: 0 } } },
  { key: 'cpu_shares', svc: { cpu_shares: 512 }, want: { HostConfig: { CpuShares: 512 } } },
  { key: 'cpus', svc: { cpus: 1.5 }, want: { HostConfig: { NanoCpus: 1_500_000_000 } } },
  { key: 'cpus as a string', svc: { cpus: '0.25' }, want: { HostConfig: { NanoCpus: 250_000_000 } } },
  { key: 'cpuset', svc: { cpuset: '0' }, want: { HostConfig: { CpusetCpus: '0' } } },
  { key: 'cpu_quota + cpu_period', svc: { cpu_quota: 50000, cpu_period: 100000 }, want: { HostConfig: { CpuQuota: 50000, CpuPeriod: 100000 } } },
  {
    key: 'cpu_rt_runtime / cpu_rt_period (microseconds or durations)',
    svc: { cpu_rt_runtime: '400ms', cpu_rt_period: 1000000 },
    want: { HostConfig: { CpuRealtimeRuntime: 400000, CpuRealtimePeriod: 1000000 } },
  },
  { key: 'pids_limit', svc: { pids_limit: 100 }, want: { HostConfig: { PidsLimit: 100 } } },
  { key: 'shm_size', svc: { shm_size: '128m' }, want: { HostConfig: { ShmSize: 128 * 1024 * 1024 } } },
  {
    key: 'ulimits',
    svc: { ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 } },
    want: { HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }, { Name: 'nproc', Soft: 512, Hard: 512 }] } },
  },
  { key: 'oom_score_adj', svc: { oom_score_adj: -500 }, want: { HostConfig: { OomScoreAdj: -500 } } },
  { key: 'oom_kill_disable', svc: { oom_kill_disable: true }, want: { HostConfig: { OomKillDisable: true } } },
  { key: 'cap_add / cap_drop', svc: { cap_add: ['NET_ADMIN'], cap_drop: ['MKNOD'] }, want: { HostConfig: { CapAdd: ['NET_ADMIN'], CapDrop: ['MKNOD'] } } },
  { key: 'privileged', svc: { privileged: true }, want: { HostConfig: { Privileged: true } } },
  { key: 'security_opt', svc: { security_opt: ['no-new-privileges', 'label:disable'] }, want: { HostConfig: { SecurityOpt: ['no-new-privileges', 'label:disable'] } } },
  {
    key: 'security_opt systempaths=unconfined',
    svc: { security_opt: ['systempaths=unconfined'] },
    check: (s) => {
      expect(s.body.HostConfig).toMatchObject({ MaskedPaths: [], ReadonlyPaths: [] });
      expect(s.body.HostConfig?.SecurityOpt).toBeUndefined();
    },
  },
  {
    key: 'security_opt seccomp=FILE is inlined (relative to the project)',
    svc: { security_opt: ['seccomp=prof.json'] },
    input: { readFile: (p) => (p.endsWith('/proj/prof.json') ? '{ "defaultAction": "SCMP_ACT_ALLOW" }' : 'nope') },
    want: { HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] } },
  },
  { key: 'read_only', svc: { read_only: true }, want: { HostConfig: { ReadonlyRootfs: true } } },
  { key: 'sysctls', svc: { sysctls: ['net.core.somaxconn=1024'] }, want: { HostConfig: { Sysctls: { 'net.core.somaxconn': '1024' } } } },
  {
    key: 'devices (short and long)',
    svc: { devices: ['/dev/null', '/dev/zero:/dev/z', '/dev/random:/dev/r:r', '/dev/urandom:rw', { source: '/dev/full', permissions: 'rw' }] },
    want: {
      HostConfig: {
        Devices: [
          { PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rwm' },
          { PathOnHost: '/dev/zero', PathInContainer: '/dev/z', CgroupPermissions: 'rwm' },
          { PathOnHost: '/dev/random', PathInContainer: '/dev/r', CgroupPermissions: 'r' },
          { PathOnHost: '/dev/urandom', PathInContainer: '/dev/urandom', CgroupPermissions: 'rw' },
          { PathOnHost: '/dev/full', PathInContainer: '/dev/full', CgroupPermissions: 'rw' },
        ],
      },
    },
  },
  {
    key: 'devices: CDI names -> a cdi device request',
    svc: { devices: ['vendor.com/gpu=all'] },
    want: { HostConfig: { DeviceRequests: [{ Driver: 'cdi', DeviceIDs: ['vendor.com/gpu=all'] }] } },
  },
  { key: 'device_cgroup_rules', svc: { device_cgroup_rules: ['c 1:3 mr'] }, want: { HostConfig: { DeviceCgroupRules: ['c 1:3 mr'] } } },
  { key: 'group_add', svc: { group_add: [100, 'wheel'] }, want: { HostConfig: { GroupAdd: ['100', 'wheel'] } } },
  { key: 'init', svc: { init: true }, want: { HostConfig: { Init: true } } },
  { key: 'ipc', svc: { ipc: 'shareable' }, want: { HostConfig: { IpcMode: 'shareable' } } },
  { key: 'ipc service:x', svc: { ipc: 'service:other' }, want: { HostConfig: { IpcMode: 'container:p-other-1' } } },
  { key: 'pid', svc: { pid: 'host' }, want: { HostConfig: { PidMode: 'host' } } },
  { key: 'pid service:x', svc: { pid: 'service:db' }, want: { HostConfig: { PidMode: 'container:p-db-1' } } },
  { key: 'uts', svc: { uts: 'host' }, want: { HostConfig: { UTSMode: 'host' } } },
  { key: 'userns_mode', svc: { userns_mode: 'host' }, want: { HostConfig: { UsernsMode: 'host' } } },
  { key: 'cgroup', svc: { cgroup: 'private' }, want: { HostConfig: { CgroupnsMode: 'private' } } },
  { key: 'cgroup_parent', svc: { cgroup_parent: 'tsfig.slice' }, want: { HostConfig: { CgroupParent: 'tsfig.slice' } } },
  {
    key: 'blkio_config',
    svc: {
      blkio_config: {
        weight: 300,
        weight_device: [{ path: '/dev/sda', weight: 400 }],
        device_read_bps: [{ path: '/dev/sda', rate: '1mb' }],
        device_write_bps: [{ path: '/dev/sda', rate: 1024 }],
        device_read_iops: [{ path: '/dev/sda', rate: 100 }],
        device_write_iops: [{ path: '/dev/sda', rate: '200' }],
      },
    },
    want: {
      HostConfig: {
        BlkioWeight: 300,
        BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 400 }],
        BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1024 * 1024 }],
        BlkioDeviceWriteBps: [{ Path: '/dev/sda', Rate: 1024 }],
        BlkioDeviceReadIOps: [{ Path: '/dev/sda', Rate: 100 }],
        BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 200 }],
      },
    },
  },
  { key: 'storage_opt', svc: { storage_opt: { size: '1G' } }, want: { HostConfig: { StorageOpt: { size: '1G' } } } },
  { key: 'runtime', svc: { runtime: 'runc' }, want: { HostConfig: { Runtime: 'runc' } } },
  { key: 'isolation', svc: { isolation: 'default' }, want: { HostConfig: { Isolation: 'default' } } },
  {
    key: 'network_mode host / none / container:x',
    svc: { network_mode: 'host' },
    check: (s) => {
      expect(s.body.HostConfig?.NetworkMode).toBe('host');
      expect(s.body.NetworkingConfig).toBeUndefined();
      expect(s.extraNetworks).toEqual([]);
    },
  },
  { key: 'network_mode container:NAME', svc: { network_mode: 'container:abc' }, want: { HostConfig: { NetworkMode: 'container:abc' } } },
  { key: 'network_mode service:x', svc: { network_mode: 'service:other' }, want: { HostConfig: { NetworkMode: 'container:p-other-1' } } },
  {
    key: 'no networks: the project default network, aliases container name + service name',
    svc: {},
    check: (s) => {
      expect(s.body.HostConfig?.NetworkMode).toBe('p_default');
      expect(s.body.NetworkingConfig).toEqual({ EndpointsConfig: { p_default: { Aliases: ['p-s-1', 's'] } } });
      expect(s.extraNetworks).toEqual([]);
    },
  },
  {
    key: 'networks: aliases, static IPs, link-local IPs, driver_opts',
    svc: {
      networks: {
        front: { aliases: ['web', 'www'], ipv4_address: '172.30.0.10', ipv6_address: 'fd00::10', link_local_ips: ['169.254.1.1'], driver_opts: { 'com.example.opt': 'x' } },
      },
    },
    top: { networks: nets(['front']) },
    want: {
      HostConfig: { NetworkMode: 'p_front' },
      NetworkingConfig: {
        EndpointsConfig: {
          p_front: {
            Aliases: ['p-s-1', 's', 'web', 'www'],
            IPAMConfig: { IPv4Address: '172.30.0.10', IPv6Address: 'fd00::10', LinkLocalIPs: ['169.254.1.1'] },
            DriverOpts: { 'com.example.opt': 'x' },
          },
        },
      },
    },
  },
  {
    key: 'networks: highest priority first, then name order; the rest connect after create (API < 1.44)',
    svc: { networks: { zeta: { priority: 100 }, alpha: null, beta: { priority: 0 }, mid: { priority: 5 } } },
    top: { networks: nets(['zeta', 'alpha', 'beta', 'mid']) },
    check: (s) => {
      expect(s.body.HostConfig?.NetworkMode).toBe('p_zeta');
      expect(Object.keys(s.body.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['p_zeta']);
      expect(s.extraNetworks.map((n) => n.network)).toEqual(['p_mid', 'p_alpha', 'p_beta']);
      expect(s.extraNetworks[0]?.config.Aliases).toEqual(['p-s-1', 's']);
    },
  },
  {
    key: 'networks: every network at create from API 1.44',
    svc: { networks: ['a', 'b'] },
    top: { networks: nets(['a', 'b']) },
    input: { apiVersion: '1.44' },
    check: (s) => {
      expect(Object.keys(s.body.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['p_a', 'p_b']);
      expect(s.extraNetworks).toEqual([]);
    },
  },
  {
    key: 'networks: external network by its name',
    svc: { networks: ['ext'] },
    top: { networks: { ext: { external: true, name: 'shared-net' } } },
    want: { HostConfig: { NetworkMode: 'shared-net' }, NetworkingConfig: { EndpointsConfig: { 'shared-net': { Aliases: ['p-s-1', 's'] } } } },
  },
  {
    key: 'one-off containers: no service alias by default',
    svc: {},
    input: { number: 0, containerName: 'p-s-run-abc' },
    want: { NetworkingConfig: { EndpointsConfig: { p_default: { Aliases: ['p-s-run-abc'] } } } },
  },
  {
    key: 'mac_address (service level; container-wide before API 1.44)',
    svc: { mac_address: '02:42:ac:11:00:99' },
    check: (s) => {
      expect(s.body.MacAddress).toBe('02:42:ac:11:00:99');
      expect(s.body.NetworkingConfig?.EndpointsConfig?.p_default?.MacAddress).toBeUndefined();
    },
  },
  {
    key: 'mac_address on the main endpoint from API 1.44',
    svc: { mac_address: '02:42:ac:11:00:99' },
    input: { apiVersion: '1.44' },
    check: (s) => {
      expect(s.body.MacAddress).toBeUndefined();
      expect(s.body.NetworkingConfig?.EndpointsConfig?.p_default?.MacAddress).toBe('02:42:ac:11:00:99');
    },
  },
  {
    key: 'networks.x.mac_address of the first network before API 1.44 -> container-wide',
    svc: { networks: { a: { mac_address: '02:42:ac:11:00:98' }, b: null } },
    top: { networks: nets(['a', 'b']) },
    want: { MacAddress: '02:42:ac:11:00:98' },
  },
  { key: 'restart', svc: { restart: 'unless-stopped' }, want: { HostConfig: { RestartPolicy: { Name: 'unless-stopped' } } } },
  { key: 'restart no', svc: { restart: 'no' }, want: { HostConfig: { RestartPolicy: { Name: 'no' } } } },
  { key: 'restart on-failure:N', svc: { restart: 'on-failure:5' }, want: { HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 5 } } } },
  {
    key: 'deploy.restart_policy when restart is absent',
    svc: { deploy: { restart_policy: { condition: 'on-failure', max_attempts: 3 } } },
    want: { HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } } },
  },
  {
    key: 'deploy.restart_policy any -> always; restart wins over it',
    svc: { restart: 'no', deploy: { restart_policy: { condition: 'any' } } },
    want: { HostConfig: { RestartPolicy: { Name: 'no' } } },
  },
  { key: 'deploy.restart_policy any', svc: { deploy: { restart_policy: { condition: 'any' } } }, want: { HostConfig: { RestartPolicy: { Name: 'always' } } } },
  { key: 'stop_signal', svc: { stop_signal: 'SIGUSR1' }, want: { StopSignal: 'SIGUSR1' } },
  { key: 'stop_grace_period (whole seconds)', svc: { stop_grace_period: '1m30s' }, want: { StopTimeout: 90 } },
  { key: 'stop_grace_period truncates', svc: { stop_grace_period: '1500ms' }, want: { StopTimeout: 1 } },
  { key: 'stdin_open / tty', svc: { stdin_open: true, tty: true }, want: { OpenStdin: true, Tty: true } },
  {
    key: 'healthcheck',
    svc: { healthcheck: { test: 'wget -q localhost', interval: '10s', timeout: '3s', retries: 3, start_period: '1m' } },
    want: { Healthcheck: { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 10e9, Timeout: 3e9, Retries: 3, StartPeriod: 60e9 } },
  },
  { key: 'healthcheck disable', svc: { healthcheck: { disable: true } }, check: (s) => expect(s.body.Healthcheck).toEqual({ Test: ['NONE'] }) },
  {
    key: 'healthcheck start_interval (API 1.44)',
    svc: { healthcheck: { test: ['CMD', 'true'], start_interval: '2s' } },
    input: { apiVersion: '1.44' },
    want: { Healthcheck: { Test: ['CMD', 'true'], StartInterval: 2e9 } },
  },
  {
    key: 'logging',
    svc: { logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': 3 } } },
    want: { HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } } },
  },
  { key: 'legacy log_driver / log_opt', svc: { log_driver: 'none' }, want: { HostConfig: { LogConfig: { Type: 'none' } } } },
  {
    key: 'tmpfs',
    svc: { tmpfs: ['/run', '/tmp:size=64m,mode=1777'] },
    want: { HostConfig: { Tmpfs: { '/run': '', '/tmp': 'size=64m,mode=1777' } } },
  },
  { key: 'platform (create query parameter)', svc: { platform: 'linux/amd64' }, check: (s) => expect(s.platform).toBe('linux/amd64') },
  {
    key: 'deploy.resources limits and reservations override the service keys',
    svc: { mem_limit: '1g', cpus: 2, deploy: { resources: { limits: { memory: '512M', cpus: '0.5', pids: 10 }, reservations: { memory: '128m' } } } },
    want: { HostConfig: { Memory: 512 * 1024 * 1024, NanoCpus: 500_000_000, PidsLimit: 10, MemoryReservation: 128 * 1024 * 1024 } },
  },
  {
    key: 'deploy.resources.reservations.devices -> DeviceRequests',
    svc: { deploy: { resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu', 'utility'] }, { device_ids: ['0', '1'], capabilities: ['gpu'] }] } } } },
    want: {
      HostConfig: {
        DeviceRequests: [
          { Driver: 'nvidia', Count: -1, Capabilities: [['gpu', 'utility']] },
          { DeviceIDs: ['0', '1'], Capabilities: [['gpu']] },
        ],
      },
    },
  },
  { key: 'gpus: all', svc: { gpus: 'all' }, want: { HostConfig: { DeviceRequests: [{ Count: -1, Capabilities: [['gpu']] }] } } },
  {
    key: 'gpus: list',
    svc: { gpus: [{ driver: 'nvidia', count: 2, capabilities: ['compute'] }] },
    want: { HostConfig: { DeviceRequests: [{ Driver: 'nvidia', Count: 2, Capabilities: [['compute', 'gpu']] }] } },
  },
  {
    key: 'annotations (API 1.43)',
    svc: { annotations: ['com.example.a=1'] },
    input: { apiVersion: '1.43' },
    want: { HostConfig: { Annotations: { 'com.example.a': '1' } } },
  },
  {
    key: 'secrets and configs with file: sources are read-only bind mounts',
    svc: { secrets: ['s1', { source: 's1', target: 'alt' }, { source: 's1', target: '/abs/path' }], configs: ['c1', { source: 'c1', target: 'etc/c.conf' }] },
    top: { secrets: { s1: { file: './s1.txt' } }, configs: { c1: { file: './s1.txt' } } },
    check: (s) => {
      const mounts = s.body.HostConfig?.Mounts ?? [];
      expect(mounts.map((m) => m.Target)).toEqual(['/run/secrets/s1', '/run/secrets/alt', '/abs/path', '/c1', '/etc/c.conf']);
      for (const m of mounts) {
        expect(m).toMatchObject({ Type: 'bind', ReadOnly: true });
        expect(String(m.Source)).toMatch(/\/proj\/s1\.txt$/);
      }
    },
  },
  {
    key: 'secrets: uid/gid/mode give a warning',
    svc: { secrets: [{ source: 's1', mode: 0o400 }] },
    top: { secrets: { s1: { file: './s1.txt' } } },
    check: (s) => expect(s.warnings?.[0]).toMatch(/uid, gid and mode/),
  },
];

describe('containerSpec: one key at a time', () => {
  it.each(table.map((r) => [r.key, r] as const))('%s', (_key, row) => {
    const spec = specOf(row.svc, { ...(row.top ? { top: row.top } : {}), ...(row.input ? { input: row.input } : {}), ...(row.env ? { env: row.env } : {}) });
    expect(spec.name).toBe(row.input?.containerName ?? 'p-s-1');
    if (row.want) expect(spec.body).toMatchObject(row.want);
    row.check?.(spec);
  });
});

describe('containerSpec: the Fig flat form', () => {
  it('maps net: container:x and links of a flat file', () => {
    const dir = projectDir({ 'fig.yml': 'web:\n  image: busybox\n  net: "container:abc"\ndb:\n  image: busybox\n  links: [web]\n  net: bridge\n' });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    const p = r.project!;
    const base = { project: p, number: 1, image: 'busybox', labels: {}, containerOf: (s: string) => `${p.name}-${s}-1` };
    expect(containerSpec({ ...base, service: p.services.web!, containerName: 'x-web-1' }).body.HostConfig?.NetworkMode).toBe('container:abc');
    expect(containerSpec({ ...base, service: p.services.db!, containerName: 'x-db-1' }).body.HostConfig).toMatchObject({
      NetworkMode: 'bridge',
      Links: [`${p.name}-web-1:web`],
    });
  });
});

interface ErrorRow {
  name: string;
  svc: Record<string, unknown>;
  top?: Record<string, unknown>;
  input?: Partial<SpecInput>;
  key: string;
  code: SpecErrorCode;
}

const errors: ErrorRow[] = [
  { name: 'network_mode service:x without a container', svc: { network_mode: 'service:nobody' }, top: { services: { s: { image: 'busybox', network_mode: 'service:nobody' }, nobody: { image: 'busybox' } } }, key: 'network_mode', code: 'SPEC_NO_CONTAINER' },
  { name: 'ipc service:x without a container', svc: { ipc: 'service:nobody' }, top: { services: { s: { image: 'busybox', ipc: 'service:nobody' }, nobody: { image: 'busybox' } } }, key: 'ipc', code: 'SPEC_NO_CONTAINER' },
  { name: 'pid service:x without a container', svc: { pid: 'service:nobody' }, top: { services: { s: { image: 'busybox', pid: 'service:nobody' }, nobody: { image: 'busybox' } } }, key: 'pid', code: 'SPEC_NO_CONTAINER' },
  { name: 'volumes_from a service without a container', svc: { volumes_from: ['nobody'] }, top: { services: { s: { image: 'busybox', volumes_from: ['nobody'] }, nobody: { image: 'busybox' } } }, key: 'volumes_from', code: 'SPEC_NO_CONTAINER' },
  { name: 'annotations before API 1.43', svc: { annotations: { a: 'b' } }, key: 'annotations', code: 'SPEC_API_VERSION' },
  { name: 'healthcheck.start_interval before API 1.44', svc: { healthcheck: { test: ['CMD', 'true'], start_interval: '1s' } }, key: 'healthcheck.start_interval', code: 'SPEC_API_VERSION' },
  {
    name: 'mac_address on a second network before API 1.44',
    svc: { networks: { a: null, b: { mac_address: '02:42:ac:11:00:02' } } },
    top: { networks: nets(['a', 'b']) },
    key: 'networks.b.mac_address',
    code: 'SPEC_API_VERSION',
  },
  { name: 'gw_priority before API 1.48', svc: { networks: { a: { gw_priority: 1 } } }, top: { networks: nets(['a']) }, input: { apiVersion: '1.44' }, key: 'networks.a.gw_priority', code: 'SPEC_API_VERSION' },
  { name: 'volume.subpath before API 1.45', svc: { volumes: [{ type: 'volume', source: 'v', target: '/v', volume: { subpath: 'x' } }] }, top: { volumes: { v: {} } }, key: 'volumes[0].volume.subpath', code: 'SPEC_API_VERSION' },
  { name: 'image mounts before API 1.47', svc: { volumes: [{ type: 'image', source: 'busybox', target: '/img' }] }, key: 'volumes[0].type', code: 'SPEC_API_VERSION' },
  {
    name: 'service mac_address differs from the main network',
    svc: { mac_address: '02:42:ac:11:00:01', networks: { a: { mac_address: '02:42:ac:11:00:02' } } },
    top: { networks: nets(['a']) },
    key: 'mac_address',
    code: 'SPEC_CONFLICT',
  },
  { name: 'secret from environment:', svc: { secrets: ['e'] }, top: { secrets: { e: { environment: 'HOME' } } }, key: 'secrets[0]', code: 'SPEC_UNSUPPORTED' },
  { name: 'config from content:', svc: { configs: ['c'] }, top: { configs: { c: { content: 'x' } } }, key: 'configs[0]', code: 'SPEC_UNSUPPORTED' },
  { name: 'external secret', svc: { secrets: ['x'] }, top: { secrets: { x: { external: true } } }, key: 'secrets[0]', code: 'SPEC_UNSUPPORTED' },
  { name: 'links with network_mode host', svc: { network_mode: 'host', links: ['other'] }, key: 'links', code: 'SPEC_CONFLICT' },
  { name: 'selinux on a bind that must exist', svc: { volumes: [{ type: 'bind', source: '/x', target: '/x', bind: { create_host_path: false, selinux: 'z' } }] }, key: 'volumes[0].bind.selinux', code: 'SPEC_CONFLICT' },
  { name: 'seccomp profile file without readFile', svc: { security_opt: ['seccomp=./p.json'] }, key: 'security_opt', code: 'SPEC_SECCOMP_PROFILE' },
  { name: 'credential_spec (Windows)', svc: { credential_spec: { file: 'spec.json' } }, key: 'credential_spec', code: 'SPEC_UNSUPPORTED' },
  { name: 'use_api_socket', svc: { use_api_socket: true }, key: 'use_api_socket', code: 'SPEC_UNSUPPORTED' },
  { name: 'interface_name', svc: { networks: { a: { interface_name: 'eth5' } } }, top: { networks: nets(['a']) }, key: 'networks.a.interface_name', code: 'SPEC_UNSUPPORTED' },
  { name: 'a device with too many colons', svc: { devices: ['/dev/a:/dev/b:rw:x'] }, key: 'devices[0]', code: 'SPEC_INVALID_DEVICE' },
  { name: 'device permissions other than r, w, m', svc: { devices: [{ source: '/dev/a', permissions: 'rx' }] }, key: 'devices[0]', code: 'SPEC_INVALID_DEVICE' },
  { name: 'a gpu count that is not a number', svc: { gpus: [{ count: 'many' }] }, key: 'gpus[0]', code: 'SPEC_INVALID_DEVICE' },
  { name: 'deploy memory that is not a size', svc: { deploy: { resources: { limits: { memory: 'lots' } } } }, key: 'deploy.resources.limits.memory', code: 'SPEC_INVALID_VALUE' },
  { name: 'a blkio rate that is not a size', svc: { blkio_config: { device_read_bps: [{ path: '/dev/sda', rate: 'fast' }] } }, key: 'blkio_config.device_read_bps[0]', code: 'SPEC_INVALID_VALUE' },
  { name: 'a restart_policy condition deploy does not know', svc: { deploy: { restart_policy: { condition: 'sometimes' } } }, key: 'deploy.restart_policy.condition', code: 'SPEC_INVALID_VALUE' },
  { name: 'a security_opt that is not NAME=VALUE', svc: { security_opt: ['nonsense'] }, key: 'security_opt', code: 'SPEC_INVALID_VALUE' },
  { name: 'cpu_rt_runtime that is not a duration', svc: { cpu_rt_runtime: 'soon' }, key: 'cpu_rt_runtime', code: 'SPEC_INVALID_VALUE' },
  { name: 'two volumes at one target', svc: { volumes: ['/a:/x', { type: 'tmpfs', target: '/x' }] }, key: 'volumes[1]', code: 'SPEC_CONFLICT' },
  { name: 'volumes_from container: without a name', svc: { volumes_from: ['container:'] }, key: 'volumes_from', code: 'SPEC_MISSING_SOURCE' },
];

describe('containerSpec: errors', () => {
  it.each(errors.map((e) => [e.name, e] as const))('%s', (_name, row) => {
    let err: unknown;
    try {
      specOf(row.svc, { ...(row.top ? { top: row.top } : {}), ...(row.input ? { input: row.input } : {}) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect({ code: (err as SpecError).code, service: (err as SpecError).service, key: (err as SpecError).key }).toEqual({ code: row.code, service: 's', key: row.key });
  });

  it('refuses nothing when the API version is unknown', () => {
    const spec = specOf({ annotations: { a: 'b' }, healthcheck: { test: ['CMD', 'true'], start_interval: '1s' } }, { input: { apiVersion: undefined } });
    expect(spec.body.HostConfig?.Annotations).toEqual({ a: 'b' });
    expect(spec.body.Healthcheck?.StartInterval).toBe(1e9);
  });
});

describe('compareApiVersions', () => {
  it('compares numerically', () => {
    expect(compareApiVersions('1.41', '1.44')).toBeLessThan(0);
    expect(compareApiVersions('1.100', '1.44')).toBeGreaterThan(0);
    expect(compareApiVersions('1.44', '1.44')).toBe(0);
  });
});
