/**
 * `tsfig attach SERVICE`: the terminal joined to a running container of a service, as
 * `docker compose attach` does (what it does: app/containers/attach.ts). The terminal side is
 * `run`'s and `exec`'s (interactive.ts).
 */
import { Command, Option } from 'commander';
import { attachToService, DEFAULT_DETACH_KEYS, detachKeyBytes } from '../../app/containers/attach.js';
import { parseIndex } from '../../app/containers/locate.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { parseBoolFlag } from '../flags.js';
import { terminalPort } from '../interactive.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

export interface AttachFlags {
  index: string;
  /** false with --no-stdin. */
  stdin: boolean;
  sigProxy: boolean;
  detachKeys: string;
}

export function attachCommand(io: IO): Command {
  return new Command('attach')
    .description("Attach the terminal to a service's running container (its output, its stdin, signals)")
    .option('--index <n>', 'which container of the service', '1')
    .option('--no-stdin', "don't send the terminal's input to the container")
    .addOption(
      new Option('--sig-proxy [bool]', 'forward SIGINT/SIGTERM to the container (without a TTY); false: Ctrl-C detaches')
        .default(true)
        .argParser(parseBoolFlag),
    )
    .option('--detach-keys <keys>', 'keys that detach from a TTY container', DEFAULT_DETACH_KEYS)
    .argument('<service>', 'the service')
    .action(async function (this: Command, service: string) {
      const flags = this.opts<AttachFlags>();
      const index = parseIndex(flags.index);
      detachKeyBytes(flags.detachKeys);
      const s = await openSession(this, io, { services: [service] });
      try {
        const code = await attachToService(
          containersContext(s),
          { service, index, stdin: flags.stdin, sigProxy: flags.sigProxy, detachKeys: flags.detachKeys },
          terminalPort(() => s.dispose()),
        );
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
