/** `tsfig commit SERVICE [REPOSITORY[:TAG]]`: a service container's changes as a new image, as `docker compose commit`. */
import { Command, Option } from 'commander';
import type { CommitOptions } from '../../engine/engine.js';
import { UsageError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import { OVERLAY_LABEL } from '../../overlay/plan.js';
import { openSession } from '../runtime.js';
import { collect, type IO } from '../context.js';
import { parseBoolFlag } from './attach.js';
import { locateContainer, parseIndex } from './exec.js';

export interface CommitFlags {
  author?: string;
  message?: string;
  change?: string[];
  pause: boolean;
  index: string;
}

/** `repo[:tag]` (a registry's port is not a tag; a digest cannot be committed to). */
export function parseRepository(ref: string): { repo: string; tag?: string } {
  if (ref === '') throw new UsageError('empty repository name');
  if (ref.includes('@')) throw new UsageError(`invalid repository "${ref}": a digest reference cannot be tagged (use REPOSITORY[:TAG])`);
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) {
    const tag = ref.slice(colon + 1);
    if (tag === '' || colon === 0) throw new UsageError(`invalid repository "${ref}": use REPOSITORY[:TAG]`);
    return { repo: ref.slice(0, colon), tag };
  }
  return { repo: ref };
}

/** The engine's commit options from the command line. */
export function commitOptions(flags: CommitFlags, repository: string | undefined): CommitOptions {
  const ref = repository !== undefined ? parseRepository(repository) : undefined;
  return {
    ...(ref !== undefined ? { repo: ref.repo } : {}),
    ...(ref?.tag !== undefined ? { tag: ref.tag } : {}),
    ...(flags.message !== undefined ? { comment: flags.message } : {}),
    ...(flags.author !== undefined ? { author: flags.author } : {}),
    pause: flags.pause,
    // The container's tsfig labels would pass to the image, and from it to any container run
    // from it, which `ps`, `up` and `down` would then take for one of the project's: blanked
    // first (the engine cannot drop a label); the user's changes come after.
    changes: [UNLABEL, ...(flags.change ?? [])],
  };
}

/** A LABEL change that blanks every label tsfig puts on a container. */
export const UNLABEL = `LABEL ${[...Object.values(LABEL), OVERLAY_LABEL.endpoints].map((l) => `${l}=""`).join(' ')}`;

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
        const { container: c, engine } = await locateContainer(s, service, index, { running: false });
        // Not cancelled by Ctrl-C: the engine would finish the commit anyway.
        const { id } = await engine.commitContainer(c.id, options);
        io.stdout(`${id}\n`);
      } finally {
        s.dispose();
      }
    });
}
