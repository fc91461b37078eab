import { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { acquireLock } from '../../lock.js';
import { reconcile } from '../../reconcile/reconcile.js';
import { openSession, observeSession, runPlan } from '../runtime.js';
import type { IO } from '../context.js';
import { VERSION } from '../version.js';
import { parseScale, parseTimeout } from './up.js';

/** Fig's `scale web=3 worker=2`: converge only those services to those counts. */
export function scaleCommand(io: IO): Command {
  return new Command('scale')
    .description('Set the number of containers of services (SERVICE=N ...)')
    .argument('<service=n...>', 'services and counts')
    .option('-t, --timeout <seconds>', 'stop timeout when scaling down')
    .option('--no-deps', "don't start dependencies")
    .action(async function (this: Command, specs: string[]) {
      const flags = this.opts<{ timeout?: string; deps?: boolean }>();
      const scale = parseScale(specs);
      const services = Object.keys(scale);
      if (!services.length) throw new UsageError('name at least one SERVICE=N');
      const s = await openSession(this, io, { services });
      const release = await acquireLock(s.project.name, { signal: s.signal });
      try {
        const observed = await observeSession(s, { forUp: true });
        const timeout = parseTimeout(flags.timeout);
        const plan = reconcile(s.project, observed, { version: VERSION, services, scale, noDeps: flags.deps === false, ...(timeout !== undefined ? { timeout } : {}) });
        const code = await runPlan(s, plan, observed, { quietNoop: 'already at that scale' });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        release();
        s.dispose();
      }
    });
}
