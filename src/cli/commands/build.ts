import { Command, Option } from 'commander';
import { ExitCode } from '../../errors.js';
import { parseBuildArg } from '../../reconcile/images.js';
import { planImages } from '../../reconcile/reconcile.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
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
        const project = s.project;
        const named = services.length ? services : Object.keys(project.services);
        const buildable = named.filter((n) => project.services[n]?.build !== undefined);
        for (const n of named) {
          const svc = project.services[n];
          if (svc !== undefined && svc.build === undefined && services.length && !flags.quiet) io.stderr(`${n} uses an image, skipping\n`);
        }
        // Unknown names are reported by the planner.
        const unknown = named.filter((n) => project.services[n] === undefined);
        if (!buildable.length && !unknown.length) {
          if (!flags.quiet) io.stderr('nothing to build: no service has build:\n');
          return;
        }
        const observed = await observeSession(s, { forUp: true });
        const plan = planImages(project, observed, {
          version: VERSION,
          services: [...buildable, ...unknown],
          noDeps: true,
          build: 'always',
          buildEnv: io.env,
          buildArgs: Object.fromEntries((flags.buildArg ?? []).map(parseBuildArg)),
          noCache: flags.cache === false,
          pullBaseImages: flags.pull === true,
        });
        const code = await runPlan(s, plan, observed);
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
