/** Volumes. */
import type { Client } from './client.js';
import type {
  CallOptions,
  EngineVolumes,
  ListByLabelOptions,
  RemoveVolumeOptions,
  VolumeCreateBody,
  VolumeInspect,
  VolumeSummary,
} from '../engine.js';
import { labelFilters, obj, signalOpt } from './readers.js';
import { mapVolume } from './mappers.js';

/** Volume calls. */
export function dockerVolumes(c: Client): EngineVolumes {
  return {
    async listVolumes(opts: ListByLabelOptions = {}): Promise<VolumeSummary[]> {
      const filters = labelFilters(opts.labels, opts.filters);
      const data = obj(
        await c.call({ kind: 'volume', action: 'list' }, () =>
          c.get_('/volumes', filters !== undefined ? { filters: JSON.stringify(filters) } : {}, opts, () =>
            c.docker.listVolumes({ ...(filters !== undefined ? { filters } : {}), ...signalOpt(opts) }),
          ),
        ),
      );
      // `Volumes` is null when there are none.
      return (Array.isArray(data.Volumes) ? data.Volumes : []).map(mapVolume);
    },
    async inspectVolume(name: string, opts?: CallOptions): Promise<VolumeInspect> {
      const raw: unknown = await c.call({ kind: 'volume', id: name, action: 'inspect' }, () =>
        c.docker.getVolume(name).inspect(signalOpt(opts)),
      );
      return { ...mapVolume(raw), raw };
    },
    async createVolume(body: VolumeCreateBody, opts?: CallOptions): Promise<VolumeSummary> {
      const raw = await c.call({ kind: 'volume', ...(body.Name !== undefined ? { id: body.Name } : {}), action: 'create' }, () =>
        c.dial({ path: '/volumes/create', method: 'POST', body, ok: [200, 201], ...(opts?.signal ? { signal: opts.signal } : {}) }),
      );
      return mapVolume(raw);
    },
    async removeVolume(name: string, opts: RemoveVolumeOptions = {}): Promise<void> {
      await c.call({ kind: 'volume', id: name, action: 'remove' }, () =>
        c.dial({
          path: `/volumes/${encodeURIComponent(name)}`,
          method: 'DELETE',
          query: { force: opts.force === true ? true : undefined },
          ok: [200, 204],
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      );
    },
  };
}

