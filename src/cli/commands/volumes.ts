/**
 * volumes, as docker compose has it: the project's volumes (DRIVER, VOLUME NAME; HOST with
 * several hosts), those the services use when services are named; the declared external
 * volumes that exist are listed too. `-q` names only, `--format json` one object per line.
 */
import { Command, Option } from 'commander';
import { listVolumes } from '../../app/containers/volumes.js';
import { formatTable } from '../../ui/table.js';
import { containersContext } from '../containers.js';
import type { IO } from '../context.js';
import { openSession } from '../runtime.js';

export function volumesCommand(io: IO): Command {
  return new Command('volumes')
    .description("List the project's volumes (those of the named services only, when services are given)")
    .argument('[services...]', 'only the volumes these services use')
    .option('-q, --quiet', 'only volume names')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ quiet?: boolean; format: 'table' | 'json' }>();
      const s = await openSession(this, io, { services });
      try {
        const { rows, multiHost: multi } = await listVolumes(containersContext(s), services);
        if (flags.quiet === true) {
          for (const name of new Set(rows.map((r) => r.volume.name))) io.stdout(`${name}\n`);
        } else if (flags.format === 'json') {
          for (const { host, volume: v } of rows) io.stdout(`${JSON.stringify({ ...(multi ? { Host: host } : {}), Driver: v.driver, Name: v.name, Mountpoint: v.mountpoint, Scope: v.scope, Labels: v.labels })}\n`);
        } else {
          io.stdout(formatTable([...(multi ? ['HOST'] : []), 'DRIVER', 'VOLUME NAME'], rows.map((r) => [...(multi ? [r.host] : []), r.volume.driver, r.volume.name])));
        }
      } finally {
        s.dispose();
      }
    });
}
