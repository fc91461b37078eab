import { Command, Option } from 'commander';
import { listContainers, PS_STATUSES } from '../../app/containers/ps.js';
import { formatTable } from '../../ui/table.js';
import { ExitCode, UsageError } from '../../errors.js';
import { containersContext } from '../containers.js';
import { collect, type IO } from '../context.js';
import { parseBoolFlag } from '../flags.js';
import { dockerConfigPsFormat, psJsonLines, psRecord, psTableCells, PS_SCHEMA, readFormat, renderTemplate } from '../formats.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmPsCommand } from '../swarm.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  format?: string;
  filter?: string[];
  status?: string[];
  /** `--no-trunc` (commander: a negatable `trunc`, true by default). */
  trunc: boolean;
  orphans: boolean;
}

/** `--filter KEY=VALUE` and `--status` -> the states to keep, as compose reads them (only `status` is a filter). */
export function psStatuses(filters: readonly string[], statuses: readonly string[]): string[] {
  const out = [...statuses];
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new UsageError(`ps --filter "${f}": write KEY=VALUE, e.g. --filter status=running`);
    const key = f.slice(0, eq);
    if (key === 'status') out.push(f.slice(eq + 1));
    else if (key === 'source') throw new UsageError('ps --filter source=...: not implemented (by docker compose either); filter by status=...');
    else throw new UsageError(`ps --filter "${f}": unknown filter ${key}; the one filter is status=${PS_STATUSES.join('|')}`);
  }
  for (const s of out) {
    if (!(PS_STATUSES as readonly string[]).includes(s)) throw new UsageError(`ps: unknown status "${s}"; use one of ${PS_STATUSES.join(', ')}`);
  }
  return out;
}

export function psCommand(io: IO): Command {
  return new Command('ps')
    .description('List the containers of the stack')
    .option('-a, --all', 'also stopped containers and one-off containers')
    .option('-q, --quiet', 'only container IDs')
    .option('--services', 'only service names')
    .option('--format <format>', "table (default, or psFormat of the docker CLI's config.json), json (one object per line), or a Go template: '{{.Name}} {{.Status}}', 'table {{.Name}}\\t{{.Ports}}'")
    .addOption(new Option('--filter <filter>', 'filter by a property: status=STATE (repeatable)').argParser(collect))
    .addOption(new Option('--status <status>', `only containers in this state (repeatable): ${PS_STATUSES.join(', ')}`).argParser(collect))
    .option('--no-trunc', "don't truncate IDs, commands and mounts")
    .addOption(new Option('--orphans [bool]', 'include containers of services the project file does not declare (--orphans=false: not)').default(true).argParser(parseBoolFlag))
    .addOption(new Option('--no-orphans', 'leave out containers of services the project file does not declare').hideHelp())
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<PsFlags>();
      // Flags first: a bad format or filter is a usage error before the engine is asked.
      // As compose: without --format, the docker CLI's `psFormat` (config.json) when it has one.
      const format = readFormat(flags.format ?? dockerConfigPsFormat(io.env), 'ps');
      const statuses = psStatuses(flags.filter ?? [], flags.status ?? []);
      const s = await openSession(this, io, { byName: true });
      try {
        if (isSwarm(s) && format.kind === 'template') throw new UsageError('ps --format with a template does not apply to a swarm stack: use --format json');
        if (isSwarm(s)) return await swarmPsCommand(s, { services, all: flags.all === true, quiet: flags.quiet === true, serviceNames: flags.services === true, json: format.kind === 'json' });
        const { rows, multiHost, problems } = await listContainers(containersContext(s), { services, all: flags.all === true, statuses, orphans: flags.orphans });
        const opts = { trunc: flags.trunc };
        if (flags.quiet) for (const c of rows) io.stdout(`${c.id}\n`);
        else if (flags.services) for (const n of [...new Set(rows.map((c) => c.service))].sort()) io.stdout(`${n}\n`);
        else if (format.kind === 'json') io.stdout(psJsonLines(rows, opts));
        else if (format.kind === 'template') io.stdout(renderTemplate(format.format, rows.map((r) => psRecord(r, opts)), PS_SCHEMA));
        else {
          const { headers, cells } = psTableCells(rows, { ...opts, multiHost });
          io.stdout(formatTable(headers, cells));
        }
        for (const d of problems) io.stderr(`error: ${d}\n`);
        if (problems.length) throw new ExitCode(1);
      } finally {
        s.dispose();
      }
    });
}
