import { Command, Option } from 'commander';
import { up } from '../../app/up.js';
import { openSession } from '../runtime.js';
import { collect, globals, type IO } from '../context.js';
import { reconcileOptions, type UpFlags } from '../converge-flags.js';

/** compose's `create`: `up --no-start` (same plan, same flags), containers left in state `created`. */
export function createCommand(io: IO): Command {
  return new Command('create')
    .description('Create the containers (and networks, volumes, images) of the stack without starting them')
    .option('--build', 'build the images of services with build: before creating')
    .option('--no-build', "don't build images, even missing ones")
    .option('--pull <policy>', "pull images: always, missing or never (over each service's pull_policy)")
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', "don't recreate containers that exist, even if they changed")
    .option('--remove-orphans', 'remove containers of services no longer in the file (TSFIG_REMOVE_ORPHANS)')
    .addOption(new Option('--scale <service=n>', 'create N containers of a service (repeatable)').argParser(collect))
    .argument('[services...]', 'services to create (and their dependencies)')
    .action(async function (this: Command, services: string[]) {
      const options = reconcileOptions({ ...this.opts<UpFlags>(), start: false, allResources: globals(this).allResources === true }, services, io.env);
      const s = await openSession(this, io, { services, checkBuild: true });
      try {
        await up(s, { services, options });
      } finally {
        s.dispose();
      }
    });
}
