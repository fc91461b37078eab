/** The swarm backend's values: what a project asks of a swarm, what the swarm holds, and a plan between them. */
import type { Diagnostic, Loc } from '../../model/diagnostic.js';
import type { SwarmJson } from '../../engine/docker/swarm.js';

export type { SwarmJson };

/** Labels on everything of a stack: docker stack's namespace label, and tsfig's own. */
export const STACK_LABEL = 'com.docker.stack.namespace';
export const STACK_IMAGE_LABEL = 'com.docker.stack.image';
export const SWARM_LABEL = {
  project: 'io.tsfig.project',
  service: 'io.tsfig.service',
  network: 'io.tsfig.network',
  secret: 'io.tsfig.secret',
  config: 'io.tsfig.config-object',
  /** On secrets and configs: the content hash their name ends with. */
  hash: 'io.tsfig.content-hash',
} as const;

export type FileObjectKind = 'secret' | 'config';

/** A secret or config the stack needs: name `<project>_<key>_<hash>` (immutable: a new content is a new name). */
export interface DesiredFileObject {
  kind: FileObjectKind;
  /** The key in the file. */
  key: string;
  name: string;
  /** Made elsewhere (`external: true`): used by name, never made or removed. */
  external: boolean;
  /** The spec to create (Name, Labels, Data as base64). */
  spec?: SwarmJson;
}

export interface DesiredNetwork {
  key: string;
  name: string;
  external: boolean;
  body?: SwarmJson;
  /** Where the file declares it (none for an implicit `default`). */
  loc?: Loc;
}

export interface DesiredService {
  /** The service's key in the file. */
  key: string;
  /** `<project>_<service>`. */
  name: string;
  spec: SwarmJson;
}

/** What the project asks of the swarm (mapping.ts, pure). */
export interface DesiredStack {
  project: string;
  services: DesiredService[];
  networks: DesiredNetwork[];
  objects: DesiredFileObject[];
  diagnostics: Diagnostic[];
}

export interface ObservedService {
  id: string;
  name: string;
  version: number;
  /** As stored, with network targets as names (observe.ts maps the IDs back). */
  spec: SwarmJson;
  raw: SwarmJson;
}

export interface ObservedObject {
  kind: FileObjectKind;
  id: string;
  name: string;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  /** The network as the engine lists it (Driver, Options, Labels, IPAM, ...). */
  raw: SwarmJson;
}

/** What the swarm holds of the stack (by label). */
export interface ObservedStack {
  services: ObservedService[];
  networks: ObservedNetwork[];
  objects: ObservedObject[];
  /** Networks of any stack (or none), by name: an external one must be among them. */
  allNetworkNames: string[];
}

export type SwarmOp =
  | { op: 'network.create'; name: string; body: SwarmJson }
  | { op: 'object.create'; kind: FileObjectKind; name: string; spec: SwarmJson }
  | { op: 'service.create'; name: string; key: string; spec: SwarmJson }
  | { op: 'service.update'; name: string; key: string; id: string; version: number; spec: SwarmJson; causes: string[] }
  | { op: 'service.remove'; name: string; id: string }
  | { op: 'object.remove'; kind: FileObjectKind; name: string; id: string; unused?: boolean }
  | { op: 'network.remove'; name: string; id: string }
  /** down -v: a named volume on the manager's engine (by name). */
  | { op: 'volume.remove'; name: string };

/** Steps in order: networks and objects first, then services, then what no longer is used. */
export interface SwarmPlan {
  ops: SwarmOp[];
  diagnostics: Diagnostic[];
}
