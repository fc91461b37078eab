/**
 * `tsfig export [-o FILE] SERVICE`: a service container's filesystem as a tar archive, as
 * `docker compose export` (app/containers/export.ts). To stdout, the process's own (binary, so
 * not `IO`), never a terminal.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { exportService } from '../../app/containers/export.js';
import { parseIndex } from '../../app/containers/locate.js';
import { ExitCode, TsfigError } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

export interface ExportFlags {
  output?: string;
  index: string;
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
        const request = { service, index, ...(flags.output !== undefined ? { output: resolve(io.cwd, flags.output) } : {}) };
        const code = await exportService(containersContext(s), request, (tar) => toStdout(tar, out));
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
