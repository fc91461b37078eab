import { Command } from 'commander';
import { pushImages } from '../../app/containers/push.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

/** `tsfig push [SERVICE...]`: push the images of services to the registries their names say. */
export function pushCommand(io: IO): Command {
  return new Command('push')
    .description('Push the images of services (those with image:) to their registries')
    .option('--ignore-push-failures', 'push what can be pushed and report the rest as warnings')
    .option('--include-deps', 'also push the images of the services the named ones depend on')
    .option('-q, --quiet', "don't print progress")
    .argument('[services...]', 'services whose images to push (default: all)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ ignorePushFailures?: boolean; includeDeps?: boolean; quiet?: boolean }>();
      const s = await openSession(this, io, { services });
      if (flags.quiet) s.progress = 'quiet';
      try {
        const code = await pushImages(containersContext(s), { services, ignoreFailures: Boolean(flags.ignorePushFailures), ...(flags.includeDeps ? { includeDeps: true } : {}) });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
