import { Command } from 'commander';
import { copyFiles, parseCpArgs } from '../../app/containers/cp.js';
import { parseIndex } from '../../app/containers/locate.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

export function cpCommand(io: IO): Command {
  return new Command('cp')
    .description('Copy files and folders between a service container and the host')
    .usage('[options] SERVICE:SRC_PATH DEST_PATH | SRC_PATH SERVICE:DEST_PATH')
    .option('--index <n>', 'which container of the service', '1')
    .argument('<source>')
    .argument('<destination>')
    .action(async function (this: Command, source: string, destination: string) {
      const flags = this.opts<{ index: string }>();
      const index = parseIndex(flags.index);
      const args = parseCpArgs(source, destination);
      const s = await openSession(this, io, { services: [args.service] });
      try {
        await copyFiles(containersContext(s), args, index, io.cwd);
      } finally {
        s.dispose();
      }
    });
}
