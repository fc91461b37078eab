/** The engine's answers read into tsfig's own types. */
import type {
  ArchiveStat,
  ContainerInspect,
  ContainerMount,
  ContainerNetworkEndpoint,
  ContainerSummary,
  EngineEvent,
  ImageInspect,
  ImageSummary,
  IpamConfig,
  NetworkInspect,
  NetworkSummary,
  VolumeSummary,
} from '../engine.js';
import { bool, defined, keys, num, obj, optStr, str, strArr, strArrOrNull, strRec, stripSlash } from './readers.js';

// ---------------------------------------------------------------- mapping answers

export function mapPorts(v: unknown): Record<string, Array<{ hostIp: string; hostPort: string }> | null> {
  const out: Record<string, Array<{ hostIp: string; hostPort: string }> | null> = {};
  for (const [k, bindings] of Object.entries(obj(v))) {
    out[k] = Array.isArray(bindings) ? bindings.map((b) => ({ hostIp: str(obj(b).HostIp), hostPort: str(obj(b).HostPort) })) : null;
  }
  return out;
}

export function mapMounts(v: unknown): ContainerMount[] {
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

export function mapContainerSummary(raw: unknown): ContainerSummary {
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
    ...(typeof c.Command === 'string' ? { command: c.Command } : {}),
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

export function mapContainerInspect(raw: unknown): ContainerInspect {
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

export function mapIpam(v: unknown): NetworkSummary['ipam'] {
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

export function mapNetworkSummary(raw: unknown): NetworkSummary {
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

export function mapNetworkInspect(raw: unknown): NetworkInspect {
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

export function mapVolume(raw: unknown): VolumeSummary {
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

export function mapImageSummary(raw: unknown): ImageSummary {
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

export function mapImageInspect(raw: unknown): ImageInspect {
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

export function mapEvent(raw: unknown): EngineEvent {
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

export function parseArchiveStat(header: string | string[] | undefined): ArchiveStat | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  try {
    const s = obj(JSON.parse(Buffer.from(value, 'base64').toString('utf8')));
    return { name: str(s.name), size: num(s.size), mode: num(s.mode), mtime: str(s.mtime), linkTarget: str(s.linkTarget) };
  } catch {
    return undefined;
  }
}

