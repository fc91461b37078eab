/**
 * `tsfig export [-o FILE] SERVICE`: a service container's filesystem as a tar archive, as
 * `docker compose export`. To a file (written aside, then renamed into place: no half archive
 * under that name) or to stdout, the process's own (binary, so not `IO`), never a terminal.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { EXIT, ExitCode, TsfigError } from '../../errors.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';
import { locateContainer, parseIndex } from './exec.js';

export interface ExportFlags {
  output?: string;
  index: string;
}

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

/** Copy with backpressure; false when the reader went away (EPIPE). */
async function toStdout(tar: NodeJS.ReadableStream, out: NodeJS.WriteStream): Promise<boolean> {
  let broken = false;
  let wake: (() => void) | undefined;
  const onError = (): void => {
    broken = true;
    wake?.();
  };
  const onDrain = (): void => wake?.();
  out.on('error', onError);
  out.on('drain', onDrain);
  try {
    for await (const chunk of tar as AsyncIterable<Buffer>) {
      if (broken) break;
      if (!out.write(chunk)) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (broken) break;
    }
  } finally {
    out.off('drain', onDrain);
    // Late EPIPEs must not crash the process.
    out.off('error', onError);
    out.on('error', () => undefined);
  }
  return !broken;
}

export function exportCommand(io: IO): Command {
  return new Command('export')
    .description("Export a service container's filesystem as a tar archive (to stdout, or -o FILE)")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--index <n>', 'which container of the service', '1')
    .argument('<service>', 'the service')
    .action(async function (this: Command, service: string) {
      const flags = this.opts<ExportFlags>();
      const index = parseIndex(flags.index);
      const out = process.stdout;
      if (flags.output === undefined && out.isTTY === true) {
        throw new TsfigError('refusing to write a tar archive to a terminal: use -o FILE or redirect stdout');
      }
      const s = await openSession(this, io, { services: [service], quietInterrupt: true });
      try {
        const { container: c, engine } = await locateContainer(s, service, index, { running: false });
        try {
          const tar = await engine.exportContainer(c.id, { signal: s.signal });
          if (flags.output !== undefined) await toFile(tar, resolve(io.cwd, flags.output), s.signal);
          else if (!(await toStdout(tar, out))) throw new ExitCode(EXIT.failure);
        } catch (err) {
          if (s.signal.aborted) throw new ExitCode(EXIT.interrupted);
          if (err instanceof TsfigError) throw err;
          throw new TsfigError(`export of ${c.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      } finally {
        s.dispose();
      }
    });
}
