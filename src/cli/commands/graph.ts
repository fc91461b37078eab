import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { TsfigError } from '../../errors.js';
import { toDot, toMermaid } from '../../graph/draw.js';
import { globals, requireProject, type IO } from '../context.js';

export function graphCommand(io: IO): Command {
  return new Command('graph')
    .alias('viz')
    .description('Draw the project: services, dependencies, networks, volumes and hosts (DOT, Mermaid, or SVG with Graphviz)')
    .addOption(new Option('--format <format>', 'dot (Graphviz), mermaid, or svg (needs Graphviz\'s dot)').choices(['dot', 'mermaid', 'svg']).default('dot'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async function (this: Command) {
      const flags = this.opts<{ format: 'dot' | 'mermaid' | 'svg'; output?: string }>();
      const project = requireProject(globals(this), io);
      let text: string;
      if (flags.format === 'mermaid') text = toMermaid(project);
      else if (flags.format === 'dot') text = toDot(project);
      else text = await (await import('../graphviz.js')).renderSvg(toDot(project), io.env);
      if (flags.output === undefined) {
        io.stdout(text);
        return;
      }
      const path = resolve(io.cwd, flags.output);
      try {
        writeFileSync(path, text);
      } catch (err) {
        throw new TsfigError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    });
}
