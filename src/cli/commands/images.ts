import { Command, Option } from 'commander';
import type { ImageSummary } from '../../engine/engine.js';
import { ExitCode } from '../../errors.js';
import { formatTable } from '../../ui/table.js';
import { openSession, observeSession, unreachable } from '../runtime.js';
import type { IO } from '../context.js';

/** Bytes as docker prints them: decimal units, three significant digits (`4.26MB`). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${Number(v.toPrecision(3))}${units[u]}`;
}

/** `busybox:latest` -> repository and tag (a registry port is not a tag; a digest has no tag). */
export function splitReference(ref: string): { repository: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repository: ref.slice(0, at), tag: '<none>' };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: 'latest' };
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
  const wanted = c.image.includes(':') || c.image.includes('@') ? c.image : `${c.image}:latest`;
  const ref = tags.includes(wanted) ? wanted : tags[0];
  const { repository, tag } = ref !== undefined ? splitReference(ref) : { repository: '<none>', tag: '<none>' };
  return { host: c.host, container: c.name, repository, tag, id: c.imageId.replace(/^sha256:/, '').slice(0, 12), size: img?.size ?? 0 };
}

export function imagesCommand(io: IO): Command {
  return new Command('images')
    .description('List the images the containers of the stack use')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'only image IDs')
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ format: 'table' | 'json'; quiet?: boolean }>();
      const s = await openSession(this, io);
      try {
        const observed = await observeSession(s);
        const multi = Object.keys(observed.hosts).length > 1;
        const want = services.length > 0 ? new Set(services) : undefined;
        const rows: ImageRow[] = [];
        await Promise.all(
          s.hosts.map(async (h) => {
            const containers = (observed.hosts[h.name]?.containers ?? []).filter((c) => want === undefined || want.has(c.service));
            if (containers.length === 0) return;
            const images = await h.engine.listImages({ signal: s.signal });
            for (const c of containers) rows.push(imageRow(c, images));
          }),
        );
        rows.sort((a, b) => a.container.localeCompare(b.container));
        if (flags.quiet === true) {
          for (const id of [...new Set(rows.map((r) => r.id))]) io.stdout(`${id}\n`);
        } else if (flags.format === 'json') {
          const out = rows.map((r) => ({ ...(multi ? { Host: r.host } : {}), ContainerName: r.container, Repository: r.repository, Tag: r.tag, ID: r.id, Size: r.size }));
          io.stdout(JSON.stringify(out, null, 2) + '\n');
        } else {
          const headers = [...(multi ? ['HOST'] : []), 'CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'];
          io.stdout(formatTable(headers, rows.map((r) => [...(multi ? [r.host] : []), r.container, r.repository, r.tag, r.id, humanSize(r.size)])));
        }
        const down = unreachable(observed);
        for (const d of down) io.stderr(`error: ${d}\n`);
        if (down.length) throw new ExitCode(1);
      } finally {
        s.dispose();
      }
    });
}
