import { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { planRegistry } from '../../reconcile/reconcile.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
import type { IO } from '../context.js';

/** `tsfig push [SERVICE...]`: push the images of services to the registries their names say. */
export function pushCommand(io: IO): Command {
  return new Command('push')
    .description('Push the images of services (those with image:) to their registries')
    .option('--ignore-push-failures', 'push what can be pushed and report the rest as warnings')
    .argument('[services...]', 'services whose images to push (default: all)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ ignorePushFailures?: boolean }>();
      const s = await openSession(this, io, { services });
      try {
        for (const name of services.length ? services : Object.keys(s.project.services)) {
          const svc = s.project.services[name];
          if (svc !== undefined && svc.image === undefined) io.stderr(`${name} has no image: to push to, skipping\n`);
        }
        const observed = await observeSession(s);
        const plan = planRegistry(s.project, observed, 'push', { services });
        const code = await runPlan(s, plan, observed, { ignoreFailures: Boolean(flags.ignorePushFailures) });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
