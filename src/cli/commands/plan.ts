import { Command } from 'commander';
import { plan } from '../../app/plan.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmPlanCommand } from '../swarm.js';
import { globals, type IO } from '../context.js';
import { addConvergeOptions, reconcileOptions, type UpFlags } from '../converge-flags.js';

export function planCommand(io: IO): Command {
  const cmd = new Command('plan')
    .description('Print what `up` would change, and why; change nothing')
    .argument('[services...]', 'services to plan for (and their dependencies)');
  addConvergeOptions(cmd);
  return cmd.action(async function (this: Command, services: string[]) {
    const options = reconcileOptions({ ...this.opts<UpFlags>(), allResources: globals(this).allResources === true }, services, io.env);
    const s = await openSession(this, io, { services, checkBuild: true });
    try {
      if (isSwarm(s)) return await swarmPlanCommand(s, services, options.removeOrphans === true);
      await plan(s, options);
    } finally {
      s.dispose();
    }
  });
}
