import { Command, Option } from 'commander';
import { down } from '../../app/down.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmDownCommand } from '../swarm.js';
import type { IO } from '../context.js';
import { parseTimeout } from '../converge-flags.js';
import { ignoreOrphansSetting, removeOrphansSetting } from '../../settings.js';

export function downCommand(io: IO): Command {
  return new Command('down')
    .description('Stop and remove the containers and networks of the stack (-v: its volumes too)')
    .option('-v, --volumes', 'remove the named volumes the file declares and the anonymous volumes of its containers (never external ones, never ones the file no longer declares; on a swarm: those on the manager)')
    .addOption(new Option('--rmi <which>', 'remove images: local (those without a custom tag) or all').choices(['local', 'all']))
    .option('--remove-orphans', 'remove containers of services no longer in the file')
    .option('-t, --timeout <seconds>', 'stop timeout')
    .action(async function (this: Command) {
      const flags = this.opts<{ volumes?: boolean; rmi?: 'local' | 'all'; removeOrphans?: boolean; timeout?: string }>();
      const s = await openSession(this, io, { byName: true });
      try {
        if (isSwarm(s)) return await swarmDownCommand(s, { volumes: Boolean(flags.volumes), ...(flags.rmi ? { rmi: flags.rmi } : {}), ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}) });
        const timeout = parseTimeout(flags.timeout);
        await down(s, {
          volumes: Boolean(flags.volumes),
          ...(flags.rmi ? { rmi: flags.rmi } : {}),
          removeOrphans: Boolean(flags.removeOrphans) || removeOrphansSetting(io.env),
          ignoreOrphans: ignoreOrphansSetting(io.env),
          ...(timeout !== undefined ? { timeout } : {}),
        });
      } finally {
        s.dispose();
      }
    });
}
