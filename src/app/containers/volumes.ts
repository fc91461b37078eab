/**
 * `volumes`, as docker compose has it: the project's volumes (and the declared external ones
 * that exist), those the named services use when services are named.
 */
import type { VolumeSummary } from '../../engine/engine.js';
import { TsfigError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import type { ContainersContext } from './context.js';

export interface VolumeRow {
  host: string;
  volume: VolumeSummary;
}

/** The rows by name then host. Every host answers first: one that does not is an error before anything is shown. */
export async function listVolumes(ctx: ContainersContext, services: string[]): Promise<{ rows: VolumeRow[]; multiHost: boolean }> {
  const p = ctx.project;
  const externals = new Set(Object.values(p.volumes).filter((v) => v.external).map((v) => v.name));
  let wanted: Set<string> | undefined;
  if (services.length > 0) {
    wanted = new Set();
    for (const name of services) {
      for (const m of p.services[name]?.volumes ?? []) {
        if (m.type === 'volume' && m.source !== undefined && Object.hasOwn(p.volumes, m.source)) wanted.add(p.volumes[m.source]!.name);
      }
    }
  }
  const lists = await Promise.all(
    ctx.hosts.map(async (h) => {
      try {
        return { host: h.name, volumes: await h.engine.listVolumes({ signal: ctx.signal }) };
      } catch (err) {
        if (err instanceof TsfigError) throw ctx.hosts.length > 1 ? new TsfigError(`host ${h.name}: ${err.message}`, err.exitCode) : err;
        throw err;
      }
    }),
  );
  const rows: VolumeRow[] = [];
  for (const { host, volumes } of lists) {
    for (const v of volumes) {
      const ours = v.labels[LABEL.project] === p.name || externals.has(v.name);
      if (ours && (wanted === undefined || wanted.has(v.name))) rows.push({ host, volume: v });
    }
  }
  rows.sort((a, b) => (a.volume.name === b.volume.name ? (a.host < b.host ? -1 : 1) : a.volume.name < b.volume.name ? -1 : 1));
  return { rows, multiHost: ctx.hosts.length > 1 };
}
