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
    .option('--index <n>', 'which container of the service (default 1)')
    .option('-a, --archive', "keep the files' owners (uid/gid) when copying into a container")
    .option('-L, --follow-link', 'always follow SRC_PATH when it is a symbolic link')
    .option('--all', 'without --index: copy into every container of the service, its one-offs (run) included; out of the first of them')
    .argument('<source>')
    .argument('<destination>')
    .action(async function (this: Command, source: string, destination: string) {
      const flags = this.opts<{ index?: string; archive?: boolean; followLink?: boolean; all?: boolean }>();
      const index = flags.index === undefined ? undefined : parseIndex(flags.index);
      const args = parseCpArgs(source, destination);
      const s = await openSession(this, io, { services: [args.service] });
      try {
        await copyFiles(containersContext(s), args, index, io.cwd, {
          ...(flags.archive ? { archive: true } : {}),
          ...(flags.followLink ? { followLink: true } : {}),
          ...(flags.all ? { all: true } : {}),
        });
      } finally {
        s.dispose();
      }
    });
}
