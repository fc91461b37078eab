import { Command } from 'commander';
import { showLogs } from '../../app/containers/logs.js';
import { ExitCode, UsageError } from '../../errors.js';
import { colorEnabled } from '../../ui/color.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import { isSwarm, swarmLogsCommand } from '../swarm.js';
import type { IO } from '../context.js';
import { parseTimeFlag } from '../flags.js';

interface LogsFlags {
  follow?: boolean;
  tail: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
  color: boolean;
  logPrefix: boolean;
  index?: string;
}

/** `--tail`: a number of lines or `all`. */
export function parseTail(v: string): number | 'all' {
  if (v === 'all' || v === '-1') return 'all';
  if (!/^\d+$/.test(v)) throw new UsageError(`invalid --tail "${v}": use a number of lines or "all"`);
  return Number(v);
}

export function logsCommand(io: IO): Command {
  return new Command('logs')
    .description('Show the output of the containers of the stack')
    .option('-f, --follow', 'keep following, also containers that start, restart or are recreated later')
    .option('-n, --tail <lines>', 'lines from the end of each container\'s log, or "all"', 'all')
    .option('-t, --timestamps', 'show the time of each line')
    .option('--since <time>', 'lines since: RFC 3339 (2024-05-01T10:00:00Z), Unix seconds, or relative (10m, 1h30m)')
    .option('--until <time>', 'lines before: same forms as --since')
    .option('--no-color', 'no colours (also NO_COLOR)')
    .option('--no-log-prefix', "don't prefix lines with the container name")
    .option('--index <n>', 'only the container with this number of each service')
    .argument('[services...]', 'services (default: all)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<LogsFlags>();
      const now = Date.now();
      const tail = parseTail(flags.tail);
      const sinceNs = parseTimeFlag('--since', flags.since, now);
      const untilNs = parseTimeFlag('--until', flags.until, now);
      let index: number | undefined;
      if (flags.index !== undefined) {
        if (!/^\d+$/.test(flags.index) || Number(flags.index) < 1) throw new UsageError(`invalid --index "${flags.index}": use a container number (1, 2, ...)`);
        index = Number(flags.index);
      }
      const s = await openSession(this, io, { services, quietInterrupt: true, byName: true });
      try {
        if (isSwarm(s)) return await swarmLogsCommand(s, { services, follow: flags.follow === true, tail, prefix: flags.logPrefix, timestamps: flags.timestamps === true, ...(sinceNs !== undefined ? { since: sinceNs } : {}), ...(untilNs !== undefined ? { until: untilNs } : {}), ...(index !== undefined ? { index } : {}) });
        const code = await showLogs(containersContext(s), {
          services,
          ...(index !== undefined ? { index } : {}),
          follow: flags.follow === true,
          tail,
          ...(sinceNs !== undefined ? { sinceNs } : {}),
          ...(untilNs !== undefined ? { untilNs } : {}),
          timestamps: flags.timestamps === true,
          prefix: flags.logPrefix,
          color: flags.color && colorEnabled({ isTTY: io.stdoutTTY === true }, io.env),
          out: io.stdout,
          ...(io.stdoutCongested ? { congested: io.stdoutCongested } : {}),
          err: io.stderr,
        });
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
