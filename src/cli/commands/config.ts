import { Command, Option } from 'commander';
import { projectConfig } from '../../app/containers/config.js';
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
      const list = opts.services ? 'services' : opts.images ? 'images' : opts.volumes ? 'volumes' : opts.networks ? 'networks' : opts.profiles ? 'profiles' : undefined;
      projectConfig(
        project,
        {
          services,
          format: opts.format,
          ...(list !== undefined ? { list } : {}),
          ...(opts.hash !== undefined ? { hash: opts.hash } : {}),
          ...(opts.quiet ? { quiet: true } : {}),
          ...(opts.showSecrets ? { showSecrets: true } : {}),
        },
        io.stdout,
      );
    });
}
