/** Volumes. */
import { signalOf, type Client } from './client.js';
import type {
  CallOptions,
  EngineVolumes,
  ListByLabelOptions,
  RemoveVolumeOptions,
  VolumeCreateBody,
  VolumeInspect,
  VolumeSummary,
} from '../engine.js';
import { labelFilters, obj } from './readers.js';
import { mapVolume } from './mappers.js';

const path = (name: string): string => `/volumes/${encodeURIComponent(name)}`;

/** Volume calls. */
export function dockerVolumes(c: Client): EngineVolumes {
  return {
    async listVolumes(opts: ListByLabelOptions = {}): Promise<VolumeSummary[]> {
      const filters = labelFilters(opts.labels, opts.filters);
      const data = obj(await c.get({ kind: 'volume', action: 'list' }, '/volumes', filters !== undefined ? { filters: JSON.stringify(filters) } : {}, opts));
      // `Volumes` is null when there are none.
      return (Array.isArray(data.Volumes) ? data.Volumes : []).map(mapVolume);
    },
    async inspectVolume(name: string, opts?: CallOptions): Promise<VolumeInspect> {
      const raw = await c.get({ kind: 'volume', id: name, action: 'inspect' }, path(name), {}, opts);
      return { ...mapVolume(raw), raw };
    },
    async createVolume(body: VolumeCreateBody, opts?: CallOptions): Promise<VolumeSummary> {
      const ctx = { kind: 'volume' as const, ...(body.Name !== undefined ? { id: body.Name } : {}), action: 'create' };
      return mapVolume(await c.send(ctx, 'POST', '/volumes/create', { body, ...signalOf(opts) }));
    },
    async removeVolume(name: string, opts: RemoveVolumeOptions = {}): Promise<void> {
      await c.send({ kind: 'volume', id: name, action: 'remove' }, 'DELETE', path(name), { query: { force: opts.force === true ? true : undefined }, ...signalOf(opts) });
    },
  };
}
