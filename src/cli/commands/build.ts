import { Command, Option } from 'commander';
import { buildImages, buildPlan, type BuildRequest } from '../../app/containers/build.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import { collect, type IO } from '../context.js';
import { VERSION } from '../version.js';

interface BuildFlags {
  /** `--no-cache` sets it false. */
  cache?: boolean;
  pull?: boolean;
  buildArg?: string[];
  quiet?: boolean;
  push?: boolean;
  withDependencies?: boolean;
  print?: boolean;
}

/** `tsfig build [SERVICE...]`: build (again) the images of services with `build:`. */
export function buildCommand(io: IO): Command {
  return new Command('build')
    .description('Build or rebuild the images of services with build:')
    .option('--no-cache', "don't use the build cache")
    .option('--pull', 'always pull newer versions of the FROM images')
    .addOption(new Option('--build-arg <key=value>', 'a build argument (repeatable; KEY alone takes its value from the environment)').argParser(collect))
    .option('-q, --quiet', "don't print anything but errors")
    .option('--push', 'push the built images to their registries (services with image:)')
    .option('--with-dependencies', 'also build the services the named ones depend on (transitively)')
    .option('--print', "print tsfig's build plan as JSON and build nothing: per build, the service, host, image, and the engine build's context, dockerfile, tags, args, target, ... (compose prints a bake file; tsfig does not use bake)")
    .argument('[services...]', 'services to build (default: every service with build:)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<BuildFlags>();
      const s = await openSession(this, io, { services, checkBuild: true });
      if (flags.quiet) s.progress = 'quiet';
      try {
        const req: BuildRequest = {
          services,
          noCache: flags.cache === false,
          pull: flags.pull === true,
          buildArgs: flags.buildArg ?? [],
          env: io.env,
          quiet: flags.quiet === true,
          version: VERSION,
          ...(flags.withDependencies ? { withDependencies: true } : {}),
          ...(flags.push ? { push: true } : {}),
        };
        if (flags.print) {
          io.stdout(`${JSON.stringify(await buildPlan(containersContext(s), req), null, 2)}\n`);
          return;
        }
        const code = await buildImages(containersContext(s), req);
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
