/** `commit SERVICE [REPOSITORY[:TAG]]`: a service container's changes as a new image, as `docker compose commit`. */
import { ImageRef } from '../../model/imageref.js';
import type { CommitOptions } from '../../engine/engine.js';
import { UsageError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import type { ContainersContext } from './context.js';
import { OVERLAY_LABEL } from '../../backend/index.js';
import { locateContainer } from './locate.js';

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
  const r = ImageRef.tryParse(ref);
  if (r === undefined) throw new UsageError(`invalid repository "${ref}": use REPOSITORY[:TAG], lowercase`);
  if (r.digest !== undefined) throw new UsageError(`invalid repository "${ref}": a digest reference cannot be tagged (use REPOSITORY[:TAG])`);
  return { repo: r.familiarName, ...(r.tag !== undefined ? { tag: r.tag } : {}) };
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

/** Commit container `index` of `service` (running or not); the new image's ID. */
export async function commitService(ctx: ContainersContext, service: string, index: number, options: CommitOptions): Promise<string> {
  const { container: c, engine } = await locateContainer(ctx, service, index, { running: false });
  // Not cancelled by Ctrl-C: the engine would finish the commit anyway.
  const { id } = await engine.commitContainer(c.id, options);
  return id;
}
