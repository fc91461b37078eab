/** Hand-made observed states for planner tests: what the engine would report. */
import { basename } from 'node:path';
import type { Diagnostic } from '../../src/model/diagnostic.js';
import { LABEL } from '../../src/model/labels.js';
import { redactedConfig, serviceConfigHash } from '../../src/model/hash.js';
import { containerName } from '../../src/model/naming.js';
import type { Project } from '../../src/model/project.js';
import { containerLabels } from '../../src/reconcile/reconcile.js';
import type { ObservedContainer, ObservedHost, ObservedState } from '../../src/reconcile/state.js';

export const IMAGE_ID = 'sha256:' + 'b'.repeat(64);

export function host(name = 'default', extra: Partial<ObservedHost> = {}): ObservedHost {
  return {
    name,
    endpoint: 'unix:///var/run/docker.sock',
    reachable: true,
    apiVersion: '1.41',
    containers: [],
    networks: [],
    volumes: [],
    images: { 'busybox:latest': IMAGE_ID },
    externalNetworks: {},
    externalVolumes: {},
    ...extra,
  };
}

export function state(project: Project, ...hosts: ObservedHost[]): ObservedState {
  return { project: project.name, hosts: Object.fromEntries((hosts.length ? hosts : [host()]).map((h) => [h.name, h])) };
}

let counter = 0;

/** A container exactly as `up` would have made it for the project as it is now. */
export function made(project: Project, service: string, n = 1, extra: Partial<ObservedContainer> = {}): ObservedContainer {
  const svc = project.services[service] ?? project.disabledServices[service];
  const labels = svc
    ? containerLabels(project, svc, n, serviceConfigHash(svc, IMAGE_ID), redactedConfig(svc), '0.1.0')
    : { [LABEL.project]: project.name, [LABEL.service]: service, [LABEL.number]: String(n), [LABEL.oneoff]: 'False' };
  counter++;
  return {
    id: `${counter.toString(16).padStart(4, '0')}${'c'.repeat(60)}`,
    name: containerName(project.name, service, n),
    host: 'default',
    service,
    number: n,
    oneoff: false,
    configHash: labels[LABEL.configHash] ?? '',
    ...(labels[LABEL.config] ? { config: labels[LABEL.config] } : {}),
    image: 'busybox',
    imageId: IMAGE_ID,
    state: 'running',
    status: 'Up 1 minute',
    created: 1000 + counter,
    labels,
    mounts: [],
    ports: [],
    networks: [`${project.name}_default`],
    ...extra,
  };
}

/** The project's networks and volumes as `up` would have made them. */
export function resources(project: Project, h: ObservedHost = host()): ObservedHost {
  h.networks = Object.entries(project.networks).filter(([, n]) => !n.external).map(([key, n]) => ({ id: `net-${key}`, name: n.name, host: h.name, key, labels: { [LABEL.project]: project.name, [LABEL.network]: key } }));
  h.volumes = Object.entries(project.volumes).filter(([, v]) => !v.external).map(([key, v]) => ({ name: v.name, host: h.name, key, labels: { [LABEL.project]: project.name, [LABEL.volume]: key } }));
  return h;
}

/**
 * A plan's warnings or errors as `CODE` or `CODE file:line:col` (the file's base name): what
 * tests assert about them (codes and positions, not English).
 */
export function coded(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => (d.loc ? `${d.code} ${basename(d.loc.file)}:${d.loc.line}:${d.loc.col}` : d.code));
}
