import { Command, Option } from 'commander';
import { loadProject } from '../../config/load.js';
import { hasErrors } from '../../config/diagnostics.js';
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
      // dockerode costs ~0.2 s to load: only commands that talk to an engine pay for it.
      const { connectHosts } = await import('../runtime.js');
      // Without a project file (or with a broken one), just the default engine.
      const loaded = loadProject(loadOptions(g, io));
      const project = !hasErrors(loaded.diagnostics) && loaded.project ? loaded.project : undefined;
      const hosts = project
        ? await connectHosts(project, g, io)
        : await (async () => {
            const { connect, resolveCliEndpoint } = await import('../../engine/connect.js');
            const { httpTimeoutMs } = await import('../../settings.js');
            const ep = { ...resolveCliEndpoint({ env: io.env, ...(g.host !== undefined ? { flagHost: g.host } : {}), ...(g.context !== undefined ? { flagContext: g.context } : {}) }), timeoutMs: httpTimeoutMs(io.env) };
            return [{ name: 'default', endpoint: ep.url, engine: connect(ep) }];
          })();
      const results = await Promise.all(
        hosts.map(async (h) => {
          try {
            return { host: h.name, endpoint: h.endpoint, ...(await h.engine.version()) };
          } catch (err) {
            return { host: h.name, endpoint: h.endpoint, error: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
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
