import { Command, Option } from 'commander';
import { LS_SCHEMA, readFormat, renderTemplate } from '../formats.js';
import { listProjects, parseProjectFilters } from '../../app/containers/ls.js';
import { formatTable } from '../../ui/table.js';
import { collect, globals, type IO } from '../context.js';

/** The projects found on the engine, with their status; needs no project file. */
export function lsCommand(io: IO): Command {
  return new Command('ls')
    .description('List the tsfig projects on the engine')
    .option('-a, --all', 'also projects whose containers are all stopped')
    .option('-q, --quiet', 'only project names')
    .option('--format <format>', "table (default), json, or a Go template: '{{.Name}}', 'table {{.Name}}\\t{{.Status}}'")
    .addOption(new Option('--filter <filter>', 'only projects whose name contains this: name=TEXT (repeatable: any of them)').argParser(collect))
    .action(async function (this: Command) {
      const flags = this.opts<{ all?: boolean; quiet?: boolean; format?: string; filter?: string[] }>();
      const format = readFormat(flags.format, 'ls');
      const names = parseProjectFilters(flags.filter ?? []);
      const g = globals(this);
      const rows = await listProjects({
        ...(g.host !== undefined ? { host: g.host } : {}),
        ...(g.context !== undefined ? { context: g.context } : {}),
        env: io.env,
        all: flags.all === true,
        names,
      });
      if (flags.quiet) for (const r of rows) io.stdout(`${r.Name}\n`);
      else if (format.kind === 'json') io.stdout(JSON.stringify(rows, null, 2) + '\n');
      else if (format.kind === 'template') io.stdout(renderTemplate(format.format, rows.map((r) => ({ Name: r.Name, Status: r.Status, ConfigFiles: r.ConfigFiles })), LS_SCHEMA));
      else io.stdout(formatTable(['NAME', 'STATUS', 'CONFIG FILES'], rows.map((r) => [r.Name, r.Status, r.ConfigFiles])));
    });
}
