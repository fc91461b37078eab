/** `tsfig commit SERVICE [REPOSITORY[:TAG]]`: a service container's changes as a new image, as `docker compose commit`. */
import { Command, Option } from 'commander';
import { commitOptions, commitService, type CommitFlags } from '../../app/containers/commit.js';
import { parseIndex } from '../../app/containers/locate.js';
import { containersContext } from '../containers.js';
import { parseBoolFlag } from '../flags.js';
import { openSession } from '../runtime.js';
import { collect, type IO } from '../context.js';

export function commitCommand(io: IO): Command {
  return new Command('commit')
    .description("Create a new image from a service container's changes (prints the image ID)")
    .option('-a, --author <author>', 'author (e.g. "Jane Doe <jane@example.com>")')
    .option('-m, --message <message>', 'commit message')
    .addOption(new Option('-c, --change <instruction>', 'apply a Dockerfile instruction to the image (repeatable)').argParser(collect))
    .addOption(
      new Option('-p, --pause [bool]', 'pause the container during the commit (--pause=false: not)')
        .default(true)
        .argParser(parseBoolFlag),
    )
    .option('--index <n>', 'which container of the service', '1')
    .argument('<service>', 'the service')
    .argument('[repository]', 'REPOSITORY[:TAG] to tag the image with (default: untagged)')
    .action(async function (this: Command, service: string, repository: string | undefined) {
      const flags = this.opts<CommitFlags>();
      const index = parseIndex(flags.index);
      const options = commitOptions(flags, repository);
      const s = await openSession(this, io, { services: [service] });
      try {
        io.stdout(`${await commitService(containersContext(s), service, index, options)}\n`);
      } finally {
        s.dispose();
      }
    });
}
