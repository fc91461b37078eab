import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { scale } from '../../app/plan.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmScaleCommand } from '../swarm.js';
import type { IO } from '../context.js';
import { parseScale, parseTimeout } from '../converge-flags.js';

/** Fig's `scale web=3 worker=2`: converge only those services to those counts. */
export function scaleCommand(io: IO): Command {
  return new Command('scale')
    .description('Set the number of containers of services (SERVICE=N ...)')
    .argument('<service=n...>', 'services and counts')
    .option('-t, --timeout <seconds>', 'stop timeout when scaling down')
    .option('--no-deps', "don't start dependencies")
    .action(async function (this: Command, specs: string[]) {
      const flags = this.opts<{ timeout?: string; deps?: boolean }>();
      const counts = parseScale(specs);
      const services = Object.keys(counts);
      if (!services.length) throw new UsageError('name at least one SERVICE=N');
      const s = await openSession(this, io, { services });
      try {
        if (isSwarm(s)) return await swarmScaleCommand(s, counts);
        const timeout = parseTimeout(flags.timeout);
        await scale(s, { scale: counts, noDeps: flags.deps === false, ...(timeout !== undefined ? { timeout } : {}) });
      } finally {
        s.dispose();
      }
    });
}
