import { Command, Option } from 'commander';
import { globals, type IO } from '../context.js';
import { VERSION } from '../version.js';

export function versionCommand(io: IO): Command {
  return new Command('version')
    .description('Print the tsfig version and the Docker engine it talks to')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--short', 'print only the tsfig version, without asking the engine')
    .action(async function (this: Command) {
      const opts = this.opts<{ format: 'text' | 'json'; short?: boolean }>();
      if (opts.short) {
        io.stdout(`${VERSION}\n`);
        return;
      }
      const g = globals(this);
      // dockerode costs ~0.2 s to load: only commands that talk to an engine pay for it.
      const { connect, resolveEndpoint } = await import('../../engine/connect.js');
      const endpoint = resolveEndpoint({ host: g.host, env: io.env });
      const engine = connect(endpoint);
      const v = await engine.version();
      if (opts.format === 'json') {
        io.stdout(JSON.stringify({ tsfig: VERSION, engine: { endpoint: endpoint.url, ...v } }, null, 2) + '\n');
        return;
      }
      io.stdout(`tsfig version ${VERSION}\nengine ${endpoint.url}: Docker ${v.version} (API ${v.apiVersion}, ${v.os}/${v.arch})\n`);
    });
}
