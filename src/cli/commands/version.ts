import { Command, Option } from 'commander';
import { defaultHosts, engineVersions, optionalProject } from '../../app/containers/version.js';
import { ExitCode } from '../../errors.js';
import { globals, loadOptions, type IO } from '../context.js';
import { VERSION } from '../version.js';

/** tsfig's version and each host's engine (like `docker version`); the project's hosts when there is a project file. */
export function versionCommand(io: IO): Command {
  return new Command('version')
    .description("Print tsfig's version and each engine's version and API version")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--short', 'print only the tsfig version, without asking the engine')
    .action(async function (this: Command) {
      const opts = this.opts<{ format: 'text' | 'json'; short?: boolean }>();
      if (opts.short) {
        io.stdout(`${VERSION}\n`);
        return;
      }
      const g = globals(this);
      // The engine client loads on first use: only commands that talk to an engine pay for it.
      const { connectHosts } = await import('../runtime.js');
      // Without a project file (or with a broken one), just the default engine.
      const project = optionalProject(loadOptions(g, io));
      const hosts = project ? await connectHosts(project, g, io) : await defaultHosts(g, io.env);
      const results = await engineVersions(hosts);
      const failed = results.filter((r) => 'error' in r);
      if (opts.format === 'json') {
        const engine = results[0];
        io.stdout(JSON.stringify({ tsfig: VERSION, engine, hosts: results }, null, 2) + '\n');
      } else {
        io.stdout(`tsfig version ${VERSION}\n`);
        for (const r of results) {
          const who = results.length > 1 ? `host ${r.host} (${r.endpoint})` : `engine ${r.endpoint}`;
          if ('error' in r) continue;
          io.stdout(`${who}: Docker ${r.version} (API ${r.apiVersion}, ${r.os}/${r.arch})\n`);
        }
      }
      for (const f of failed) if ('error' in f) io.stderr(`${f.error}\n`);
      if (failed.length) throw new ExitCode(1);
    });
}
