import { Command } from 'commander';
import { reconcile } from '../../reconcile/reconcile.js';
import { renderPlan } from '../../reconcile/plan.js';
import { ExitCode } from '../../errors.js';
import { openSession, observeSession, unreachable } from '../runtime.js';
import type { IO } from '../context.js';
import { addConvergeOptions, reconcileOptions, type UpFlags } from './up.js';

export function planCommand(io: IO): Command {
  const cmd = new Command('plan')
    .description('Print what `up` would change, and why; change nothing')
    .argument('[services...]', 'services to plan for (and their dependencies)');
  addConvergeOptions(cmd);
  return cmd.action(async function (this: Command, services: string[]) {
    const options = reconcileOptions(this.opts<UpFlags>(), services, io.env);
    const s = await openSession(this, io, { services, checkBuild: true });
    try {
      const observed = await observeSession(s, { forUp: true });
      const plan = reconcile(s.project, observed, options);
      io.stdout(renderPlan(plan, io.cwd));
      // A host that did not answer is unknown, not up to date: a CI check on `plan` must not pass.
      const down = unreachable(observed);
      for (const d of down) io.stderr(`error: ${d}\n`);
      if (plan.errors.length || down.length) throw new ExitCode(1);
    } finally {
      s.dispose();
    }
  });
}
