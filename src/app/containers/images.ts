/** `images`: one row per container of the project, the image it runs. */
import type { ImageSummary } from '../../engine/engine.js';
import { ImageRef, withDefaultTag } from '../../model/imageref.js';
import { byText } from '../../model/dict.js';
import type { ContainersContext } from './context.js';
import { observeContainers, type Listing } from './list.js';

/** `busybox:latest` -> repository and tag, as `docker images` shows them (a digest has no tag). */
export function splitReference(ref: string): { repository: string; tag: string } {
  const r = ImageRef.tryParse(ref);
  if (r === undefined) return { repository: ref, tag: '<none>' };
  return { repository: r.familiarName, tag: r.digest !== undefined ? '<none>' : (r.tag ?? 'latest') };
}

export interface ImageRow {
  host: string;
  container: string;
  repository: string;
  tag: string;
  id: string;
  size: number;
}

/** One row per container: the image it runs, named as the container was created when that name still points at it. */
export function imageRow(c: { name: string; host: string; image: string; imageId: string }, images: ImageSummary[]): ImageRow {
  const img = images.find((i) => i.id === c.imageId);
  const tags = img?.repoTags ?? [];
  const wanted = withDefaultTag(c.image);
  const ref = tags.includes(wanted) ? wanted : tags[0];
  const { repository, tag } = ref !== undefined ? splitReference(ref) : { repository: '<none>', tag: '<none>' };
  return { host: c.host, container: c.name, repository, tag, id: c.imageId.replace(/^sha256:/, '').slice(0, 12), size: img?.size ?? 0 };
}

/** The rows, by container name (one image list per host that has containers). */
export async function listImages(ctx: ContainersContext, services: string[]): Promise<Listing<ImageRow>> {
  const o = await observeContainers(ctx, services);
  const rows: ImageRow[] = [];
  await Promise.all(
    ctx.hosts.map(async (h) => {
      const containers = o.containers.filter((c) => c.host === h.name);
      if (containers.length === 0) return;
      const images = await h.engine.listImages({ signal: ctx.signal });
      for (const c of containers) rows.push(imageRow(c, images));
    }),
  );
  rows.sort((a, b) => byText(a.container, b.container));
  return { rows, multiHost: o.multiHost, problems: o.problems };
}
