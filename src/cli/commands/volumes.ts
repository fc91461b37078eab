/**
 * volumes, as docker compose has it: the project's volumes (DRIVER, VOLUME NAME; HOST with
 * several hosts), those the services use when services are named; the declared external
 * volumes that exist are listed too. `-q` names only, `--format json` one object per line.
 */
import { Command, Option } from 'commander';
import type { VolumeSummary } from '../../engine/engine.js';
import { TsfigError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import { formatTable } from '../../ui/table.js';
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
        const p = s.project;
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
        // Every host first: an engine that does not answer is an error before anything is printed.
        const lists = await Promise.all(
          s.hosts.map(async (h) => {
            try {
              return { host: h.name, volumes: await h.engine.listVolumes({ signal: s.signal }) };
            } catch (err) {
              if (err instanceof TsfigError) throw s.hosts.length > 1 ? new TsfigError(`host ${h.name}: ${err.message}`, err.exitCode) : err;
              throw err;
            }
          }),
        );
        const multi = s.hosts.length > 1;
        const rows: Array<{ host: string; v: VolumeSummary }> = [];
        for (const { host, volumes } of lists) {
          for (const v of volumes) {
            const ours = v.labels[LABEL.project] === p.name || externals.has(v.name);
            if (ours && (wanted === undefined || wanted.has(v.name))) rows.push({ host, v });
          }
        }
        rows.sort((a, b) => (a.v.name === b.v.name ? (a.host < b.host ? -1 : 1) : a.v.name < b.v.name ? -1 : 1));
        if (flags.quiet === true) {
          for (const name of new Set(rows.map((r) => r.v.name))) io.stdout(`${name}\n`);
        } else if (flags.format === 'json') {
          for (const r of rows) io.stdout(`${JSON.stringify({ ...(multi ? { Host: r.host } : {}), Driver: r.v.driver, Name: r.v.name, Mountpoint: r.v.mountpoint, Scope: r.v.scope, Labels: r.v.labels })}\n`);
        } else {
          io.stdout(formatTable([...(multi ? ['HOST'] : []), 'DRIVER', 'VOLUME NAME'], rows.map((r) => [...(multi ? [r.host] : []), r.v.driver, r.v.name])));
        }
      } finally {
        s.dispose();
      }
    });
}
