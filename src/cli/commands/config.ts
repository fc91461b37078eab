import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { projectConfig } from '../../app/containers/config.js';
import { TsfigError } from '../../errors.js';
import { globals, loadOptions, type IO } from '../context.js';

interface ConfigFlags {
  format?: 'yaml' | 'json';
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  hash?: string;
  quiet?: boolean;
  buildCheck?: boolean;
  interpolate?: boolean;
  normalize?: boolean;
  pathResolution?: boolean;
  envResolution?: boolean;
  consistency?: boolean;
  environment?: boolean;
  variables?: boolean;
  output?: string;
  resolveImageDigests?: boolean;
}

function engineFlags(g: { host?: string; context?: string }): { host?: string; context?: string } {
  return { ...(g.host !== undefined ? { host: g.host } : {}), ...(g.context !== undefined ? { context: g.context } : {}) };
}

export function configCommand(io: IO): Command {
  return new Command('config')
    .description('Validate the project file and print it in the canonical form (loading the output again gives the same project)')
    .addOption(new Option('--format <format>', 'output format (default: yaml; for --variables: a table)').choices(['yaml', 'json']))
    .option('--services', 'print the service names, one per line')
    .option('--volumes', 'print the volume names, one per line')
    .option('--networks', 'print the network names, one per line')
    .option('--profiles', 'print the profile names, one per line')
    .option('--images', 'print the image of each service, one per line (a built one: its tag)')
    .option('--hash <service>', 'print the config hash of a service ("*" for all)')
    .option('--variables', 'print the variables the files use, with their defaults (NAME REQUIRED DEFAULT VALUE ALTERNATE VALUE)')
    .option('--environment', 'print the variables used for interpolation (shell over env files), NAME=value')
    .option('--no-interpolate', "don't interpolate variables: print the files merged as written")
    .option('--no-normalize', "don't add what the files leave implicit (the default network)")
    .option('--no-path-resolution', "don't resolve relative paths: keep them as written")
    .option('--no-env-resolution', "don't read the services' env files: print env_file as a list of files")
    .option('--no-consistency', "don't check references between services, networks, volumes, secrets (the output may not load)")
    .option('--resolve-image-digests', "pin each image to the digest its registry holds (asked through the engine; the registry must answer)")
    .option('-o, --output <file>', 'write the output to FILE instead of stdout')
    .option('-q, --quiet', 'only validate; print nothing')
    .option('--no-build-check', "don't check that local build contexts and Dockerfiles exist: judge the file alone, as docker compose config does")
    .addOption(new Option('--show-secrets', 'accepted for old scripts: values are always printed as written').hideHelp())
    .argument('[services...]', 'services to include (enables their profiles)')
    .action(async function (this: Command, services: string[]) {
      const opts = this.opts<ConfigFlags>();
      const list = opts.services ? 'services' : opts.images ? 'images' : opts.volumes ? 'volumes' : opts.networks ? 'networks' : opts.profiles ? 'profiles' : undefined;
      const load = { ...loadOptions(globals(this), io, services), ...(opts.buildCheck !== false ? { checkBuildContexts: true } : {}) };
      const text = await projectConfig(
        load,
        {
          services,
          ...(opts.format !== undefined ? { format: opts.format } : {}),
          ...(list !== undefined ? { list } : {}),
          ...(opts.hash !== undefined ? { hash: opts.hash } : {}),
          ...(opts.quiet ? { quiet: true } : {}),
          ...(opts.variables ? { variables: true } : {}),
          ...(opts.environment ? { environment: true } : {}),
          ...(opts.interpolate === false ? { noInterpolate: true } : {}),
          ...(opts.normalize === false ? { noNormalize: true } : {}),
          ...(opts.pathResolution === false ? { noPathResolution: true } : {}),
          ...(opts.envResolution === false ? { noEnvResolution: true } : {}),
          ...(opts.consistency === false ? { noConsistency: true } : {}),
          ...(opts.resolveImageDigests ? { resolveImageDigests: true, engine: engineFlags(globals(this)) } : {}),
        },
        (line) => io.stderr(`${line}\n`),
      );
      if (opts.output === undefined) {
        io.stdout(text);
        return;
      }
      if (text === '') return;
      const file = resolve(io.cwd, opts.output);
      try {
        writeFileSync(file, text);
      } catch (e) {
        throw new TsfigError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    });
}
