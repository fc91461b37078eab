/**
 * What runs: the observed state of a project, read from each host's engine by label.
 * Plain data; `reconcile` compares it with the Project.
 */
import type { ContainerMount } from '../engine/engine.js';
import type { ObservedOverlay } from '../overlay/types.js';

export interface ObservedContainer {
  id: string;
  name: string;
  host: string;
  service: string;
  /** Replica number; 0 when the label is missing or not a number. */
  number: number;
  oneoff: boolean;
  configHash: string;
  /** Redacted canonical config the container was made from (for field-level causes). */
  config?: string;
  /** Image reference it was created from, and the image ID. */
  image: string;
  imageId: string;
  /** The command line as the engine's list shows it. */
  command?: string;
  state: string;
  status: string;
  /** Seconds since the epoch. */
  created: number;
  labels: Record<string, string>;
  mounts: ContainerMount[];
  ports: Array<{ ip?: string; privatePort: number; publicPort?: number; type: string }>;
  /** Engine network names the container is attached to. */
  networks: string[];
  /** The ID of the network each attachment points at (name -> ID), as the engine lists it. */
  networkIds?: Record<string, string>;
  /** Set on a replacement made during a recreate: the ID of the container it replaces. */
  replaces?: string;
  /**
   * The engine cannot start it: its runtime holds a stale task of its ID (the engine's last
   * start error, `task <id>: already exists`, left by an engine restarted mid-start).
   */
  staleTask?: string;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  host: string;
  /** The key in the project file (`io.tsfig.network`). */
  key?: string;
  configHash?: string;
  labels: Record<string, string>;
  /** The first IPAM subnet. */
  subnet?: string;
}

export interface ObservedVolume {
  name: string;
  host: string;
  key?: string;
  labels: Record<string, string>;
}

export interface ObservedHost {
  name: string;
  /** Engine endpoint URL, for messages. */
  endpoint: string;
  /** false: the host did not answer; everything on it is unknown, never absent. */
  reachable: boolean;
  error?: string;
  apiVersion?: string;
  containers: ObservedContainer[];
  networks: ObservedNetwork[];
  volumes: ObservedVolume[];
  /** Volumes the file declares that exist without the project's label (up only): tsfig did not make them. */
  foreignVolumes?: string[];
  /** Containers holding names the project's containers would be made under, that tsfig did not make for this project (up only). */
  foreignContainers?: Array<{ name: string; id: string; project?: string }>;
  /** Image reference -> image ID, for the images the project uses (absent: not on the host). */
  images: Record<string, string>;
  /** External networks and volumes the project needs, by engine name: do they exist? */
  externalNetworks: Record<string, boolean>;
  externalVolumes: Record<string, boolean>;
  /** Overlay state of the host (vxlan devices, FDB, firewall), read when the project has overlay networks. */
  overlay?: ObservedOverlay;
}

export interface ObservedState {
  project: string;
  hosts: Record<string, ObservedHost>;
}

/** The name of the host services without `host:` run on (model/service.ts). */
export { DEFAULT_HOST } from '../model/service.js';

/**
 * Whether a container other than `c` among `others` mounts the volume `name` (one `c` borrowed
 * through volumes_from, or lent): an anonymous volume of `c` that is not `c`'s alone to remove.
 */
export function mountedByOthers(name: string, c: ObservedContainer, others: ObservedContainer[]): boolean {
  return others.some((o) => o.id !== c.id && o.mounts.some((m) => m.type === 'volume' && m.name === name));
}
