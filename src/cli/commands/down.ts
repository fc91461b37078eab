import { Command, Option } from 'commander';
import { ExitCode } from '../../errors.js';
import { acquireLock } from '../../lock.js';
import { planDown } from '../../reconcile/lifecycle.js';
import { hostOf, imageRef, normalizeRef } from '../../reconcile/reconcile.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
import type { IO } from '../context.js';
import { parseTimeout } from './up.js';
import { ignoreOrphansSetting, removeOrphansSetting } from '../../settings.js';

export function downCommand(io: IO): Command {
  return new Command('down')
    .description('Stop and remove the containers and networks of the stack (-v: its volumes too)')
    .option('-v, --volumes', 'remove the named volumes the file declares and the anonymous volumes of its containers (never external ones, never ones the file no longer declares)')
    .addOption(new Option('--rmi <which>', 'remove images: local (those without a custom tag) or all').choices(['local', 'all']))
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('-t, --timeout <seconds>', 'stop timeout')
    .action(async function (this: Command) {
      const flags = this.opts<{ volumes?: boolean; rmi?: 'local' | 'all'; removeOrphans?: boolean; timeout?: string }>();
      const s = await openSession(this, io);
      const release = await acquireLock(s.project.name, { signal: s.signal });
      try {
        const observed = await observeSession(s, { overlay: true });
        const images = flags.rmi
          ? Object.values({ ...s.project.services, ...s.project.disabledServices })
              .filter((svc) => flags.rmi === 'all' || !svc.image)
              .map((svc) => ({ host: hostOf(svc), ref: normalizeRef(imageRef(s.project, svc)) }))
          : [];
        const timeout = parseTimeout(flags.timeout);
        const plan = planDown(s.project, observed, {
          volumes: Boolean(flags.volumes),
          removeOrphans: Boolean(flags.removeOrphans) || removeOrphansSetting(io.env),
          ignoreOrphans: ignoreOrphansSetting(io.env),
          images,
          ...(timeout !== undefined ? { timeout } : {}),
        });
        const code = await runPlan(s, plan, observed, { quietNoop: 'nothing to remove' });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        release();
        s.dispose();
      }
    });
}
