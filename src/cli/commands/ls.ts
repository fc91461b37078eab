import { Command, Option } from 'commander';
import { LABEL } from '../../model/labels.js';
import { httpTimeoutMs } from '../../settings.js';
import { formatTable } from '../../ui/table.js';
import { UsageError } from '../../errors.js';
import { collect, globals, type IO } from '../context.js';

/** The projects found on the engine, with their status; needs no project file. */
export function lsCommand(io: IO): Command {
  return new Command('ls')
    .description('List the tsfig projects on the engine')
    .option('-a, --all', 'also projects whose containers are all stopped')
    .option('-q, --quiet', 'only project names')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--filter <filter>', 'only projects whose name contains this: name=TEXT (repeatable: any of them)').argParser(collect))
    .action(async function (this: Command) {
      const flags = this.opts<{ all?: boolean; quiet?: boolean; format: 'table' | 'json'; filter?: string[] }>();
      const names = (flags.filter ?? []).map((f) => {
        const m = /^name=(.*)$/.exec(f);
        if (m === null) throw new UsageError(`ls: unsupported filter ${JSON.stringify(f)}: the one filter is name=TEXT`);
        return m[1] ?? '';
      });
      const { connect, resolveCliEndpoint } = await import('../../engine/connect.js');
      const g = globals(this);
      const engine = connect({ ...resolveCliEndpoint({ env: io.env, ...(g.host !== undefined ? { flagHost: g.host } : {}), ...(g.context !== undefined ? { flagContext: g.context } : {}) }), timeoutMs: httpTimeoutMs(io.env) });
      const containers = await engine.listContainers({ all: true, labels: { [LABEL.project]: true } });
      const projects = new Map<string, { states: Map<string, number>; files: string }>();
      for (const c of containers) {
        const name = c.labels[LABEL.project]!;
        const p = projects.get(name) ?? { states: new Map(), files: c.labels[LABEL.configFiles] ?? '' };
        p.states.set(c.state, (p.states.get(c.state) ?? 0) + 1);
        projects.set(name, p);
      }
      const rows = [...projects.entries()]
        .filter(([, p]) => flags.all || p.states.has('running'))
        .filter(([name]) => names.length === 0 || names.some((n) => name.includes(n)))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, p]) => ({
          Name: name,
          Status: [...p.states.entries()].sort().map(([st, n]) => `${st}(${n})`).join(', '),
          ConfigFiles: p.files,
        }));
      if (flags.quiet) for (const r of rows) io.stdout(`${r.Name}\n`);
      else if (flags.format === 'json') io.stdout(JSON.stringify(rows, null, 2) + '\n');
      else io.stdout(formatTable(['NAME', 'STATUS', 'CONFIG FILES'], rows.map((r) => [r.Name, r.Status, r.ConfigFiles])));
    });
}
