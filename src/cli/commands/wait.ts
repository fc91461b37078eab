import { Command } from 'commander';
import { waitServices } from '../../app/wait.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

/**
 * compose's `wait`: block until every container of the services has stopped, print each exit
 * code on stdout as it stops, exit with the code of the last one to stop; `--down-project` then
 * brings the project down.
 */
export function waitCommand(io: IO): Command {
  return new Command('wait')
    .description('Block until the containers of the services stop; print each exit code, exit with the last')
    .option('--down-project', 'then bring the whole project down (as down --remove-orphans)')
    .argument('<services...>', 'services whose containers to wait for')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ downProject?: boolean }>();
      const s = await openSession(this, io, { services, quietInterrupt: true });
      try {
        await waitServices(s, { services, downProject: flags.downProject === true, announce: s.progress === 'auto' || s.progress === 'tty' || s.progress === 'plain' });
      } finally {
        s.dispose();
      }
    });
}
