import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { EXIT, ExitCode } from '../../errors.js';
import { isLive, sampleOnce, StatsWatch, type StatsTarget } from '../../stats/collect.js';
import { statsJson, statsTable, streamFrame, type StatsRow } from '../../stats/compute.js';
import { colorEnabled } from '../../ui/color.js';
import { openSession, observeSession, unreachable, type Session } from '../runtime.js';
import type { IO } from '../context.js';

interface StatsFlags {
  stream: boolean;
  all?: boolean;
  /** `--no-trunc` (commander: a negatable `trunc`, true by default). */
  trunc: boolean;
  format: 'table' | 'json';
}

/** Redraw period, and how often the container list is read again while streaming. */
const REFRESH_MS = 1000;
const RELIST_EVERY = 3;
/** How long the first frame waits for every container's first sample. */
const FIRST_WAIT_MS = 2500;

/** The project's containers to show (one-offs included, as docker compose stats), and the hosts that did not answer. */
async function targets(s: Session, services: string[], all: boolean): Promise<{ targets: StatsTarget[]; multi: boolean; problems: string[]; down: Set<string> }> {
  const observed = await observeSession(s);
  const want = services.length > 0 ? new Set(services) : undefined;
  const list = Object.values(observed.hosts)
    .flatMap((h) => h.containers)
    .filter((c) => (all || isLive(c.state)) && (want === undefined || want.has(c.service)))
    .map((c) => ({ id: c.id, name: c.name, service: c.service, host: c.host, live: isLive(c.state) }));
  const down = new Set(Object.values(observed.hosts).filter((h) => !h.reachable).map((h) => h.name));
  return { targets: list, multi: Object.keys(observed.hosts).length > 1, problems: unreachable(observed), down };
}

export function statsCommand(io: IO): Command {
  return new Command('stats')
    .description('Show the live resource usage of the containers of the stack')
    .option('--no-stream', 'print one table and exit')
    .option('-a, --all', 'also stopped containers (with zeros)')
    .option('--no-trunc', "don't truncate container IDs")
    .addOption(new Option('--format <format>', 'output format (json: one object per container per line)').choices(['table', 'json']).default('table'))
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<StatsFlags>();
      const all = flags.all === true;
      const noTrunc = !flags.trunc;
      const json = flags.format === 'json';
      const color = colorEnabled({ isTTY: io.stdoutTTY === true }, io.env);
      const s = await openSession(this, io, { services, quietInterrupt: true });
      const render = (rows: StatsRow[], multi: boolean): string => (json ? statsJson(rows, noTrunc) : statsTable(rows, { multiHost: multi, noTrunc, color }));
      const warn = (t: string): void => io.stderr(`warning: ${t}\n`);
      try {
        const initial = await targets(s, services, all);
        for (const p of initial.problems) io.stderr(`error: ${p}\n`);

        if (!flags.stream) {
          const rows = await sampleOnce(initial.targets, s.engines, { signal: s.signal, warn });
          // As docker stats --no-stream: nothing at all when there is nothing to show.
          if (rows.length > 0) io.stdout(render(rows, initial.multi));
          if (initial.problems.length > 0) throw new ExitCode(EXIT.failure);
          return;
        }

        // No engine answers at all: nothing to stream (one that stops answering later is said and kept).
        if (initial.down.size === s.hosts.length) throw new ExitCode(EXIT.failure);
        // Streaming. docker (and docker compose, which runs the CLI's code) keeps streaming when
        // stdout is not a terminal, with the same cursor escapes; here a pipe gets one plain
        // table (or a batch of JSON lines) per refresh instead, and a terminal the redraw.
        const tty = io.stdoutTTY === true;
        const watch = new StatsWatch({ engines: s.engines, signal: s.signal, warn });
        let multi = initial.multi;
        let current = initial.targets;
        let reported = new Set(initial.problems);
        watch.update(current);
        try {
          await watch.ready(FIRST_WAIT_MS);
          for (let tick = 0; !s.signal.aborted; tick++) {
            if (tick > 0 && tick % RELIST_EVERY === 0) {
              let next;
              try {
                next = await targets(s, services, all);
              } catch (err) {
                if (s.signal.aborted) break;
                throw err;
              }
              // A host that stops answering is said once; its containers stay (their numbers go stale: --).
              for (const p of next.problems) if (!reported.has(p)) io.stderr(`error: ${p}\n`);
              reported = new Set(next.problems);
              current = [...next.targets, ...current.filter((t) => next.down.has(t.host))];
              watch.update(current);
              multi = next.multi;
            }
            const rows = watch.rows();
            io.stdout(streamFrame(render(rows, multi), { tty, first: tick === 0, json }));
            await sleep(REFRESH_MS, undefined, { signal: s.signal }).catch(() => undefined);
          }
        } finally {
          watch.close();
        }
        throw new ExitCode(EXIT.interrupted);
      } finally {
        s.dispose();
      }
    });
}
