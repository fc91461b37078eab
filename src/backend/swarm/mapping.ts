/**
 * A project -> the service specs, networks, secrets and configs a swarm runs it as (pure), the
 * way `docker stack deploy` maps a compose file (docker/cli cli/compose/convert), so `docker
 * stack ls/ps/services` see tsfig's stacks: names `<project>_<name>`, the label
 * `com.docker.stack.namespace`, overlay attachable networks. Differences: secrets and configs
 * carry a content hash in their name (swarm keeps them immutable: a new content rotates), and
 * keys a swarm cannot honour are warnings that name the key and what to do.
 */
import { createHash } from 'node:crypto';
import { diagAt, sourceLoc, type Diagnostic } from '../../model/diagnostic.js';
import type { FileObjectConfig, Project, Service, ServiceFileRef } from '../../model/project.js';
import { ImageRef } from '../../model/imageref.js';
import { byText } from '../../model/dict.js';
import { deployParts } from './deploy.js';
import { ignoredKeys } from './ignored.js';
import { STACK_IMAGE_LABEL, STACK_LABEL, SWARM_LABEL, type DesiredFileObject, type DesiredNetwork, type DesiredService, type DesiredStack, type FileObjectKind, type SwarmJson } from './types.js';

/** The bytes of each secret and config that is not external, keyed `secret:<key>` / `config:<key>` (read by contents.ts). */
export type ObjectContents = Record<string, Buffer | undefined>;

export function stackLabels(project: string): Record<string, string> {
  return { [STACK_LABEL]: project, [SWARM_LABEL.project]: project };
}

/** `<project>_<name>`, as docker stack scopes names. */
export function scoped(project: string, name: string): string {
  return `${project}_${name}`;
}

function contentHash(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 10);
}

function fileObjects(project: Project, kind: FileObjectKind, contents: ObjectContents, diagnostics: Diagnostic[]): DesiredFileObject[] {
  const defs: Record<string, FileObjectConfig> = kind === 'secret' ? project.secrets : project.configs;
  const out: DesiredFileObject[] = [];
  for (const [key, def] of Object.entries(defs)) {
    if (def.external === true) {
      out.push({ kind, key, name: def.name, external: true });
      continue;
    }
    const data = contents[`${kind}:${key}`];
    if (data === undefined) {
      const what = def.environment !== undefined ? `the variable ${def.environment} is not set` : def.file !== undefined ? `${def.file} cannot be read` : 'it has no file: or environment:';
      diagnostics.push(diagAt(project, [`${kind}s`, key], 'PLAN_SWARM_SPEC', `${kind} ${key}: ${what}`));
      continue;
    }
    const hash = contentHash(data);
    const name = `${scoped(project.name, key)}_${hash}`;
    const labels = { ...stackLabels(project.name), [kind === 'secret' ? SWARM_LABEL.secret : SWARM_LABEL.config]: key, [SWARM_LABEL.hash]: hash };
    out.push({ kind, key, name, external: false, spec: { Name: name, Labels: labels, Data: data.toString('base64') } });
  }
  return out;
}

function networks(project: Project, used: Set<string>): DesiredNetwork[] {
  const out: DesiredNetwork[] = [];
  for (const [key, def] of Object.entries(project.networks)) {
    if (!used.has(key)) continue;
    if (def.external === true) {
      out.push({ key, name: def.name, external: true });
      continue;
    }
    const name = scoped(project.name, key);
    const labels = { ...(def.labels ?? {}), ...stackLabels(project.name), [SWARM_LABEL.network]: key };
    const body: SwarmJson = { Name: name, Driver: def.driver === undefined || def.driver === 'bridge' ? 'overlay' : def.driver, Attachable: true, Labels: labels, CheckDuplicate: true };
    if (def.driver_opts) body.Options = def.driver_opts;
    if (def.internal === true) body.Internal = true;
    if (def.ipam?.config?.length) body.IPAM = { Driver: def.ipam.driver ?? 'default', Config: def.ipam.config.map((c) => ({ ...(c.subnet ? { Subnet: c.subnet } : {}), ...(c.gateway ? { Gateway: c.gateway } : {}), ...(c.ip_range ? { IPRange: c.ip_range } : {}) })) };
    const loc = sourceLoc(project, ['networks', key]);
    out.push({ key, name, external: false, body, ...(loc ? { loc } : {}) });
  }
  return out.sort((a, b) => byText(a.name, b.name));
}

function serviceNetworks(svc: Service): string[] {
  return Object.keys(svc.networks ?? { default: null });
}

/** The long form of a granted secret or config: source, file name, owner, mode. */
function grant(ref: ServiceFileRef, kind: FileObjectKind): { source: string; target: string; uid: string; gid: string; mode: number } {
  const r = typeof ref === 'string' ? { source: ref } : ref;
  const source = r.source ?? '';
  const mode = typeof r.mode === 'string' ? parseInt(r.mode, 8) : (r.mode ?? 0o444);
  const target = r.target ?? (kind === 'secret' ? source : `/${source}`);
  return { source, target, uid: r.uid ?? '0', gid: r.gid ?? '0', mode };
}

function grants(project: Project, svc: Service, kind: FileObjectKind, objects: DesiredFileObject[]): SwarmJson[] | undefined {
  const refs = kind === 'secret' ? svc.secrets : svc.configs;
  if (!refs?.length) return undefined;
  return refs.map((ref) => {
    const g = grant(ref, kind);
    const o = objects.find((x) => x.kind === kind && x.key === g.source);
    const name = o?.name ?? scoped(project.name, g.source);
    const file = { Name: g.target, UID: g.uid, GID: g.gid, Mode: g.mode };
    return kind === 'secret' ? { File: file, SecretName: name } : { File: file, ConfigName: name };
  });
}

function mounts(project: Project, svc: Service): SwarmJson[] | undefined {
  if (!svc.volumes.length) return undefined;
  return svc.volumes.map((v) => {
    const m: SwarmJson = { Type: v.type, Target: v.target };
    if (v.read_only === true) m.ReadOnly = true;
    if (v.type === 'volume') {
      if (v.source !== undefined) {
        const def = project.volumes[v.source];
        m.Source = def?.name ?? scoped(project.name, v.source);
        // An external volume is used by name and never labelled as the stack's (as docker stack
        // deploy does): a node that lacks it makes a plain one, which no stack clean-up claims.
        const external = def?.external === true;
        const opts: SwarmJson = { ...(external ? {} : { Labels: stackLabels(project.name) }), ...(v.volume?.nocopy === true ? { NoCopy: true } : {}), ...(!external && def?.driver ? { DriverConfig: { Name: def.driver, Options: def.driver_opts ?? {} } } : {}) };
        if (Object.keys(opts).length) m.VolumeOptions = opts;
      }
    } else if (v.type === 'bind') {
      m.Source = v.source;
      if (v.bind?.propagation) m.BindOptions = { Propagation: v.bind.propagation };
    } else if (v.type === 'tmpfs') {
      if (v.tmpfs?.size !== undefined || v.tmpfs?.mode !== undefined) m.TmpfsOptions = { ...(v.tmpfs.size !== undefined ? { SizeBytes: v.tmpfs.size } : {}), ...(v.tmpfs.mode !== undefined ? { Mode: v.tmpfs.mode } : {}) };
    }
    return m;
  });
}

function healthcheck(svc: Service): SwarmJson | undefined {
  const h = svc.healthcheck;
  if (!h) return undefined;
  if (h.disable === true) return { Test: ['NONE'] };
  const out: SwarmJson = {};
  if (h.test) out.Test = h.test;
  if (h.interval !== undefined) out.Interval = h.interval;
  if (h.timeout !== undefined) out.Timeout = h.timeout;
  if (h.retries !== undefined) out.Retries = h.retries;
  if (h.start_period !== undefined) out.StartPeriod = h.start_period;
  return out;
}

function ports(project: Project, svc: Service, diagnostics: Diagnostic[]): SwarmJson[] {
  const out: SwarmJson[] = [];
  svc.ports.forEach((p, i) => {
    const port: SwarmJson = { Protocol: p.protocol, TargetPort: p.target, PublishMode: p.mode ?? 'ingress' };
    if (p.published !== undefined) {
      if (!/^\d+$/.test(p.published)) {
        diagnostics.push(diagAt(project, ['services', svc.name, 'ports', i], 'PLAN_SWARM_SPEC', `service ${svc.name}: port range ${p.published} cannot be published by a swarm service; publish one port per entry`));
        return;
      }
      port.PublishedPort = Number(p.published);
    }
    out.push(port);
  });
  return out;
}

function env(svc: Service): string[] | undefined {
  const e = Object.entries(svc.environment).map(([k, v]) => (v === null ? k : `${k}=${v}`));
  return e.length ? e.sort() : undefined;
}

/** The image as the stack runs it: normalised (`busybox` -> `busybox:latest`). */
export function stackImage(svc: Service): string {
  const ref = ImageRef.tryParse(svc.image ?? '');
  return ref ? ref.familiarName + (ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`) : (svc.image ?? '');
}

function serviceSpec(project: Project, svc: Service, objects: DesiredFileObject[], diagnostics: Diagnostic[]): SwarmJson {
  const image = stackImage(svc);
  const cs: SwarmJson = {
    Image: image,
    Labels: { ...svc.labels, [STACK_LABEL]: project.name, [STACK_IMAGE_LABEL]: image },
  };
  if (svc.entrypoint) cs.Command = svc.entrypoint;
  if (svc.command) cs.Args = svc.command;
  if (svc.hostname) cs.Hostname = svc.hostname;
  const e = env(svc);
  if (e) cs.Env = e;
  if (svc.working_dir) cs.Dir = svc.working_dir;
  if (svc.user) cs.User = svc.user;
  if (svc.group_add?.length) cs.Groups = svc.group_add;
  if (svc.tty === true) cs.TTY = true;
  if (svc.stdin_open === true) cs.OpenStdin = true;
  if (svc.read_only === true) cs.ReadOnly = true;
  if (svc.init === true) cs.Init = true;
  const m = mounts(project, svc);
  if (m) cs.Mounts = m;
  if (svc.stop_signal) cs.StopSignal = svc.stop_signal;
  if (svc.stop_grace_period !== undefined) cs.StopGracePeriod = svc.stop_grace_period;
  const hc = healthcheck(svc);
  if (hc) cs.Healthcheck = hc;
  if (svc.extra_hosts?.length) cs.Hosts = svc.extra_hosts.map((h) => { const i = h.indexOf(':'); return i < 0 ? h : `${h.slice(i + 1)} ${h.slice(0, i)}`; });
  if (svc.dns?.length || svc.dns_search?.length || svc.dns_opt?.length) cs.DNSConfig = { ...(svc.dns ? { Nameservers: svc.dns } : {}), ...(svc.dns_search ? { Search: svc.dns_search } : {}), ...(svc.dns_opt ? { Options: svc.dns_opt } : {}) };
  const secrets = grants(project, svc, 'secret', objects);
  if (secrets) cs.Secrets = secrets;
  const configs = grants(project, svc, 'config', objects);
  if (configs) cs.Configs = configs;
  if (svc.sysctls && Object.keys(svc.sysctls).length) cs.Sysctls = svc.sysctls;
  if (svc.cap_add?.length) cs.CapabilityAdd = svc.cap_add;
  if (svc.cap_drop?.length) cs.CapabilityDrop = svc.cap_drop;
  if (svc.ulimits) cs.Ulimits = Object.entries(svc.ulimits).map(([Name, u]) => (typeof u === 'number' ? { Name, Soft: u, Hard: u } : { Name, Soft: u.soft, Hard: u.hard }));
  if (svc.isolation) cs.Isolation = svc.isolation;

  const d = deployParts(project, svc, diagnostics);
  const task: SwarmJson = { ContainerSpec: cs };
  if (d.resources) task.Resources = d.resources;
  if (d.restartPolicy) task.RestartPolicy = d.restartPolicy;
  if (d.placement) task.Placement = d.placement;
  task.Networks = serviceNetworks(svc).map((n) => {
    const attach = svc.networks?.[n];
    const net = project.networks[n];
    return { Target: net?.external === true ? net.name : scoped(project.name, n), Aliases: [svc.name, ...(attach?.aliases ?? [])] };
  });
  if (svc.logging?.driver) task.LogDriver = { Name: svc.logging.driver, ...(svc.logging.options ? { Options: Object.fromEntries(Object.entries(svc.logging.options).map(([k, v]) => [k, String(v ?? '')])) } : {}) };

  const spec: SwarmJson = {
    Name: scoped(project.name, svc.name),
    Labels: { ...d.labels, ...stackLabels(project.name), [SWARM_LABEL.service]: svc.name },
    TaskTemplate: task,
    Mode: d.mode,
    EndpointSpec: { Mode: d.endpointMode, Ports: ports(project, svc, diagnostics) },
  };
  if (d.updateConfig) spec.UpdateConfig = d.updateConfig;
  if (d.rollbackConfig) spec.RollbackConfig = d.rollbackConfig;
  return spec;
}

/** What the project asks of the swarm; `contents` are the secrets' and configs' bytes. */
export function desiredStack(project: Project, contents: ObjectContents): DesiredStack {
  const diagnostics: Diagnostic[] = [];
  const objects = [...fileObjects(project, 'secret', contents, diagnostics), ...fileObjects(project, 'config', contents, diagnostics)];
  const services: DesiredService[] = [];
  const used = new Set<string>();
  for (const svc of Object.values(project.services).sort((a, b) => byText(a.name, b.name))) {
    diagnostics.push(...ignoredKeys(project, svc));
    if (!svc.image) diagnostics.push(diagAt(project, ['services', svc.name], 'PLAN_SWARM_SPEC', `service ${svc.name} has no image: a swarm runs images from a registry; build and push it, then set image:`));
    for (const n of serviceNetworks(svc)) used.add(n);
    services.push({ key: svc.name, name: scoped(project.name, svc.name), spec: serviceSpec(project, svc, objects, diagnostics) });
  }
  // Only the secrets and configs some service uses are made (as docker stack does).
  const granted = new Set(Object.values(project.services).flatMap((s) => [
    ...(s.secrets ?? []).map((r) => `secret:${grant(r, 'secret').source}`),
    ...(s.configs ?? []).map((r) => `config:${grant(r, 'config').source}`),
  ]));
  return { project: project.name, services, networks: networks(project, used), objects: objects.filter((o) => granted.has(`${o.kind}:${o.key}`)), diagnostics };
}
