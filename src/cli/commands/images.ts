import { Command } from 'commander';
import { IMAGES_SCHEMA, readFormat, renderTemplate } from '../formats.js';
import { listImages } from '../../app/containers/images.js';
import { ExitCode } from '../../errors.js';
import { formatTable } from '../../ui/table.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
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

export function imagesCommand(io: IO): Command {
  return new Command('images')
    .description('List the images the containers of the stack use')
    .option('--format <format>', "table (default), json, or a Go template: '{{.Repository}}:{{.Tag}}', 'table {{.ContainerName}}\\t{{.ID}}'")
    .option('-q, --quiet', 'only image IDs')
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ format?: string; quiet?: boolean }>();
      const format = readFormat(flags.format, 'images');
      const s = await openSession(this, io);
      try {
        const { rows, multiHost: multi, problems } = await listImages(containersContext(s), services);
        if (flags.quiet === true) {
          for (const id of [...new Set(rows.map((r) => r.id))]) io.stdout(`${id}\n`);
        } else if (format.kind === 'template') {
          const records = rows.map((r) => ({ ContainerName: r.container, Host: r.host, ID: r.id, Repository: r.repository, Size: humanSize(r.size), Tag: r.tag }));
          io.stdout(renderTemplate(format.format, records, IMAGES_SCHEMA));
        } else if (format.kind === 'json') {
          const out = rows.map((r) => ({ ...(multi ? { Host: r.host } : {}), ContainerName: r.container, Repository: r.repository, Tag: r.tag, ID: r.id, Size: r.size }));
          io.stdout(JSON.stringify(out, null, 2) + '\n');
        } else {
          const headers = [...(multi ? ['HOST'] : []), 'CONTAINER', 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'];
          io.stdout(formatTable(headers, rows.map((r) => [...(multi ? [r.host] : []), r.container, r.repository, r.tag, r.id, humanSize(r.size)])));
        }
        for (const d of problems) io.stderr(`error: ${d}\n`);
        if (problems.length) throw new ExitCode(1);
      } finally {
        s.dispose();
      }
    });
}
