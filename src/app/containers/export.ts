/**
 * `export [-o FILE] SERVICE`: a service container's filesystem as a tar archive, as
 * `docker compose export`. To a file (written aside, then renamed into place: no half archive
 * under that name) or to the caller's writer (stdout).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EXIT, TsfigError } from '../../errors.js';
import type { ContainersContext } from './context.js';
import { locateContainer } from './locate.js';

async function toFile(tar: NodeJS.ReadableStream, path: string, signal: AbortSignal): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tsfig-${randomBytes(4).toString('hex')}`);
  try {
    await pipeline(tar, createWriteStream(tmp), { signal });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    // The file's side (the engine's side keeps its own message).
    const e = err as NodeJS.ErrnoException;
    if (e.path !== undefined) throw new TsfigError(`cannot write ${path}: ${e.code === 'ENOENT' ? 'no such folder' : (e.code ?? e.message)}`);
    throw err;
  }
}

export interface ExportRequest {
  service: string;
  index: number;
  /** An absolute path; else the archive goes to `write`. */
  output?: string;
}

/**
 * Export container `index` of `service` (running or not). `write` copies the archive where it
 * goes when there is no output file, and says false when its reader went away. The exit code.
 */
export async function exportService(ctx: ContainersContext, req: ExportRequest, write: (tar: NodeJS.ReadableStream) => Promise<boolean>): Promise<number> {
  const { container: c, engine } = await locateContainer(ctx, req.service, req.index, { running: false });
  try {
    const tar = await engine.exportContainer(c.id, { signal: ctx.signal });
    if (req.output !== undefined) await toFile(tar, req.output, ctx.signal);
    else if (!(await write(tar))) return ctx.signal.aborted ? EXIT.interrupted : EXIT.failure;
    return EXIT.ok;
  } catch (err) {
    if (ctx.signal.aborted) return EXIT.interrupted;
    if (err instanceof TsfigError) throw err;
    throw new TsfigError(`export of ${c.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
