/**
 * `run` on a swarm: a one-off container on the manager's engine, made from the service as the
 * stack deploys it (image, environment, command), on the stack's attachable overlay networks,
 * labelled as a one-off of the project. Pure: the body and the networks to join.
 */
import type { ContainerCreateBody } from '../../engine/engine.js';
import { LABEL } from '../../model/labels.js';
import type { OneOffOptions } from '../../reconcile/oneoff.js';
import type { DesiredService, SwarmJson } from './types.js';

export interface SwarmOneOff {
  name: string;
  body: ContainerCreateBody;
  /** Networks to connect after the create (the first one is in the body). */
  extraNetworks: string[];
  /** What the one-off does not get that the service's tasks do (secrets, configs, mounts). */
  warnings: string[];
}

function envWith(base: string[], over: Record<string, string | null> | undefined): string[] {
  const m = new Map<string, string>();
  for (const e of base) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), e);
  }
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === null) m.delete(k);
    else m.set(k, `${k}=${v}`);
  }
  return [...m.values()];
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);

export function swarmOneOff(project: string, svc: DesiredService, o: OneOffOptions): SwarmOneOff {
  const task = (svc.spec.TaskTemplate ?? {}) as SwarmJson;
  const cs = (task.ContainerSpec ?? {}) as SwarmJson;
  const networks = ((task.Networks ?? []) as SwarmJson[]).map((n) => String(n.Target));
  const entrypoint = o.entrypoint ?? strings(cs.Command);
  const cmd = o.command ?? strings(cs.Args);
  const env = envWith(strings(cs.Env) ?? [], o.environment);
  const user = o.user ?? (cs.User as string | undefined);
  const dir = o.workingDir ?? (cs.Dir as string | undefined);
  const body: ContainerCreateBody = {
    Image: String(cs.Image ?? ''),
    ...(entrypoint ? { Entrypoint: entrypoint } : {}),
    ...(cmd ? { Cmd: cmd } : {}),
    ...(env.length ? { Env: env } : {}),
    ...(user ? { User: user } : {}),
    ...(dir ? { WorkingDir: dir } : {}),
    Labels: { ...((cs.Labels ?? {}) as Record<string, string>), ...(o.labels ?? {}), [LABEL.project]: project, [LABEL.service]: svc.key, [LABEL.oneoff]: 'True' },
    Tty: o.tty,
    OpenStdin: o.stdin,
    StdinOnce: o.stdin,
    AttachStdin: o.stdin,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      ...(o.autoRemove === true ? { AutoRemove: true } : {}),
      ...(networks[0] !== undefined ? { NetworkMode: networks[0] } : {}),
      ...(o.capAdd ? { CapAdd: o.capAdd } : {}),
      ...(o.capDrop ? { CapDrop: o.capDrop } : {}),
    },
    ...(networks[0] !== undefined ? { NetworkingConfig: { EndpointsConfig: { [networks[0]]: {} } } } : {}),
  };
  const missing = ['Secrets', 'Configs', 'Mounts'].filter((k) => Array.isArray(cs[k]) && (cs[k] as unknown[]).length > 0).map((k) => k.toLowerCase());
  const warnings = missing.length ? [`run ${svc.key}: a one-off on a swarm gets no ${missing.join(', ')} of the service (those are the swarm's to give its tasks)`] : [];
  return { name: o.name ?? `${project}-${svc.key}-run-${o.id}`, body, extraNetworks: networks.slice(1), warnings };
}
