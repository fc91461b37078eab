import { Command } from 'commander';
import { statsJson, statsOnce, statsRecord, statsTable, streamFrame, streamStats, type StatsRow } from '../../app/containers/stats.js';
import { ExitCode } from '../../errors.js';
import { colorEnabled } from '../../ui/color.js';
import { containersContext } from '../containers.js';
import { readFormat, renderTemplate, STATS_SCHEMA } from '../formats.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

interface StatsFlags {
  stream: boolean;
  all?: boolean;
  /** `--no-trunc` (commander: a negatable `trunc`, true by default). */
  trunc: boolean;
  format?: string;
}

export function statsCommand(io: IO): Command {
  return new Command('stats')
    .description('Show the live resource usage of the containers of the stack')
    .option('--no-stream', 'print one table and exit')
    .option('-a, --all', 'also stopped containers (with zeros)')
    .option('--no-trunc', "don't truncate container IDs")
    .option('--format <format>', "table (default), json (one object per container per line), or a Go template: 'table {{.Name}}\\t{{.CPUPerc}}'")
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<StatsFlags>();
      const request = { services, all: flags.all === true };
      const noTrunc = !flags.trunc;
      const format = readFormat(flags.format, 'stats');
      const json = format.kind === 'json';
      // A template without `table` gives lines as json does: appended, no blank line between refreshes off a terminal.
      const lines = json || (format.kind === 'template' && !format.format.table);
      const color = colorEnabled({ isTTY: io.stdoutTTY === true }, io.env);
      const s = await openSession(this, io, { services, quietInterrupt: true });
      const render = (rows: StatsRow[], multi: boolean): string => {
        if (format.kind === 'template') return renderTemplate(format.format, rows.map((r) => statsRecord(r, noTrunc)), STATS_SCHEMA);
        return json ? statsJson(rows, noTrunc) : statsTable(rows, { multiHost: multi, noTrunc, color });
      };
      try {
        const ctx = containersContext(s);
        if (!flags.stream) {
          const r = await statsOnce(ctx, request);
          // As docker stats --no-stream: nothing at all when there is nothing to show.
          if (r.rows.length > 0) io.stdout(render(r.rows, r.multiHost));
          if (r.exitCode !== 0) throw new ExitCode(r.exitCode);
          return;
        }
        // docker (and docker compose, which runs the CLI's code) keeps streaming when stdout is
        // not a terminal, with the same cursor escapes; here a pipe gets one plain table (or a
        // batch of JSON lines) per refresh instead, and a terminal the redraw.
        const tty = io.stdoutTTY === true;
        const code = await streamStats(ctx, request, (rows, multi, tick) => io.stdout(streamFrame(render(rows, multi), { tty, first: tick === 0, json: lines })));
        throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
