import { Command, Option } from 'commander';
import { Graph } from '../../graph/graph.js';
import { renderProject } from '../../config/output.js';
import { serviceConfigHash } from '../../model/hash.js';
import { defaultImageName } from '../../model/naming.js';
import { UsageError } from '../../errors.js';
import { globals, requireProject, type IO } from '../context.js';

export function configCommand(io: IO): Command {
  return new Command('config')
    .description('Validate the project file and print it in the canonical form')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image of each service, one per line (a built one: its tag)')
    .option('--hash <service>', 'print the config hash of a service ("*" for all)')
    .option('-q, --quiet', 'only validate; print nothing')
    .option('--no-build-check', "don't check that local build contexts and Dockerfiles exist: judge the file alone, as docker compose config does")
    .option('--show-secrets', 'show values that came from env_file or look like secrets')
    .argument('[services...]', 'services to include (enables their profiles)')
    .action(function (this: Command, services: string[]) {
      const opts = this.opts<{ format: 'yaml' | 'json'; services?: boolean; volumes?: boolean; networks?: boolean; profiles?: boolean; images?: boolean; hash?: string; quiet?: boolean; showSecrets?: boolean; buildCheck?: boolean }>();
      const project = requireProject(globals(this), io, services, { checkBuild: opts.buildCheck !== false });
      if (services.length) {
        const keep = new Set(services);
        for (const name of Object.keys(project.services)) if (!keep.has(name)) delete project.services[name];
      }
      if (opts.quiet) return;
      if (opts.services) {
        for (const name of new Graph(project.services).order()) io.stdout(name + '\n');
        return;
      }
      if (opts.images) {
        for (const name of new Graph(project.services).order()) io.stdout(`${project.services[name]!.image ?? defaultImageName(project.name, name)}\n`);
        return;
      }
      if (opts.volumes) {
        for (const name of Object.keys(project.volumes)) io.stdout(name + '\n');
        return;
      }
      if (opts.networks) {
        for (const name of Object.keys(project.networks)) io.stdout(name + '\n');
        return;
      }
      if (opts.profiles) {
        const all = new Set<string>();
        for (const s of [...Object.values(project.services), ...Object.values(project.disabledServices)]) for (const p of s.profiles) all.add(p);
        for (const p of [...all].sort()) io.stdout(p + '\n');
        return;
      }
      if (opts.hash !== undefined) {
        const names = opts.hash === '*' ? Object.keys(project.services).sort() : opts.hash.split(',');
        for (const name of names) {
          const svc = project.services[name];
          if (!svc) throw new UsageError(`no such service: ${name}`);
          io.stdout(`${name} ${serviceConfigHash(svc)}\n`);
        }
        return;
      }
      io.stdout(renderProject(project, opts.format, { showSecrets: Boolean(opts.showSecrets) }));
    });
}
