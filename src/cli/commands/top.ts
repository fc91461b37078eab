import { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { formatTable } from '../../ui/table.js';
import { openSession, observeSession, unreachable } from '../runtime.js';
import type { IO } from '../context.js';

export function topCommand(io: IO): Command {
  return new Command('top')
    .description('Show the processes running in the containers of the stack')
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const s = await openSession(this, io);
      try {
        const observed = await observeSession(s);
        const multi = Object.keys(observed.hosts).length > 1;
        const want = services.length > 0 ? new Set(services) : undefined;
        const containers = Object.values(observed.hosts)
          .flatMap((h) => h.containers)
          .filter((c) => c.state === 'running' && (want === undefined || want.has(c.service)))
          .sort((a, b) => a.name.localeCompare(b.name));
        const tables = await Promise.all(
          containers.map(async (c) => {
            const engine = s.engines[c.host];
            if (engine === undefined) return undefined;
            try {
              return await engine.top(c.id, { signal: s.signal });
            } catch (err) {
              // Stopped between the list and now: nothing to show.
              io.stderr(`warning: ${c.name}: ${err instanceof Error ? err.message : String(err)}\n`);
              return undefined;
            }
          }),
        );
        const blocks: string[] = [];
        containers.forEach((c, i) => {
          const t = tables[i];
          if (t === undefined) return;
          blocks.push(`${c.name}${multi ? ` (host ${c.host})` : ''}\n${formatTable(t.titles, t.processes)}`);
        });
        io.stdout(blocks.join('\n'));
        const down = unreachable(observed);
        for (const d of down) io.stderr(`error: ${d}\n`);
        if (down.length) throw new ExitCode(1);
      } finally {
        s.dispose();
      }
    });
}
