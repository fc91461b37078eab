import { Command } from 'commander';
import { pullImages } from '../../app/containers/pull.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

interface PullFlags {
  ignorePullFailures?: boolean;
  includeDeps?: boolean;
  quiet?: boolean;
}

/** `tsfig pull [SERVICE...]`: pull the images of services that name one, in parallel. */
export function pullCommand(io: IO): Command {
  return new Command('pull')
    .description('Pull the images of services (those with image:)')
    .option('--ignore-pull-failures', 'pull what can be pulled and report the rest as warnings')
    .option('--include-deps', 'also pull the images of the services the named ones depend on')
    .option('-q, --quiet', "don't print progress")
    .argument('[services...]', 'services whose images to pull (default: all)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<PullFlags>();
      const s = await openSession(this, io, { services });
      if (flags.quiet) s.progress = 'quiet';
      try {
        const code = await pullImages(containersContext(s), { services, includeDeps: Boolean(flags.includeDeps), ignoreFailures: Boolean(flags.ignorePullFailures) });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
