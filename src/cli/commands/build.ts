import { Command, Option } from 'commander';
import { buildImages } from '../../app/containers/build.js';
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
}

/** `tsfig build [SERVICE...]`: build (again) the images of services with `build:`. */
export function buildCommand(io: IO): Command {
  return new Command('build')
    .description('Build or rebuild the images of services with build:')
    .option('--no-cache', "don't use the build cache")
    .option('--pull', 'always pull newer versions of the FROM images')
    .addOption(new Option('--build-arg <key=value>', 'a build argument (repeatable; KEY alone takes its value from the environment)').argParser(collect))
    .option('-q, --quiet', "don't print anything but errors")
    .argument('[services...]', 'services to build (default: every service with build:)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<BuildFlags>();
      const s = await openSession(this, io, { services, checkBuild: true });
      if (flags.quiet) s.progress = 'quiet';
      try {
        const code = await buildImages(containersContext(s), {
          services,
          noCache: flags.cache === false,
          pull: flags.pull === true,
          buildArgs: flags.buildArg ?? [],
          env: io.env,
          quiet: flags.quiet === true,
          version: VERSION,
        });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
