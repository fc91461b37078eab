import { Command } from 'commander';
import { parsePullPolicy, pullImages } from '../../app/containers/pull.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

interface PullFlags {
  ignorePullFailures?: boolean;
  includeDeps?: boolean;
  quiet?: boolean;
  ignoreBuildable?: boolean;
  policy?: string;
}

/** `tsfig pull [SERVICE...]`: pull the images of services that name one, in parallel. */
export function pullCommand(io: IO): Command {
  return new Command('pull')
    .description('Pull the images of services (those with image:)')
    .option('--ignore-pull-failures', 'pull what can be pulled and report the rest as warnings')
    .option('--include-deps', 'also pull the images of the services the named ones depend on')
    .option('-q, --quiet', "don't print progress")
    .option('--ignore-buildable', "don't pull the images of services with build:")
    .option('--policy <policy>', 'missing: pull only images the host does not have; always: every image (the default)')
    .argument('[services...]', 'services whose images to pull (default: all)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<PullFlags>();
      const policy = parsePullPolicy(flags.policy);
      const s = await openSession(this, io, { services });
      if (flags.quiet) s.progress = 'quiet';
      try {
        const code = await pullImages(containersContext(s), {
          services,
          includeDeps: Boolean(flags.includeDeps),
          ignoreFailures: Boolean(flags.ignorePullFailures),
          ...(flags.ignoreBuildable ? { ignoreBuildable: true } : {}),
          ...(policy !== undefined ? { policy } : {}),
        });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
