/** The overlay state of one host as read back by the helper. Plain data. */

export interface ObservedVxlan {
  name: string;
  vni?: number;
  local?: string;
  port?: number;
  learning?: boolean;
  mtu?: number;
  mac?: string;
  /** The bridge the device is enslaved to. */
  master?: string;
  up: boolean;
  rxPackets?: number;
}

export interface FdbEntry {
  mac: string;
  dst: string;
}

export interface ObservedOverlay {
  /** false: the read-back failed (error says why); nothing about the host's overlay is known. */
  ok: boolean;
  error?: string;
  /** Host commands that are missing (`ip`, `bridge`, `iptables`). */
  missing: string[];
  /** The kernel refused a vxlan device (the probe's message). */
  vxlanError?: string;
  /** Every vxlan device of the host (other projects' too: VNI collisions). */
  vxlans: ObservedVxlan[];
  /** Bridge devices of the host. */
  bridges: string[];
  /** Static (`self`, with a destination) FDB entries of the project's vxlan devices, by device. */
  fdb: Record<string, FdbEntry[]>;
  /** `iptables -S <chain>` of the project's chain; undefined when the chain does not exist. */
  chain?: string[];
  /** Does DOCKER-USER jump to the project's chain? */
  jump: boolean;
  /** Does the DOCKER-USER chain exist (dockerd runs with --iptables)? */
  dockerUser: boolean;
  /**
   * The underlay as seen from the host: source address (`prefsrc`) and device MTU of the route
   * to a peer (`via: 'peer'`), or of the default route when no peer address is known.
   */
  underlay?: { address?: string; via?: 'peer' | 'default'; dev?: string; mtu?: number };
  /** The host's IPv4 routes (main table): an overlay subnet must not overlap them. */
  routes?: Array<{ dst: string; dev?: string }>;
}
