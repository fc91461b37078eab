import { Command } from 'commander';
import { topProcesses } from '../../app/containers/top.js';
import { ExitCode } from '../../errors.js';
import { formatTable } from '../../ui/table.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

export function topCommand(io: IO): Command {
  return new Command('top')
    .description('Show the processes running in the containers of the stack')
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const s = await openSession(this, io, { byName: true });
      try {
        const { rows, multiHost, problems } = await topProcesses(containersContext(s), services);
        io.stdout(rows.map((b) => `${b.name}${multiHost ? ` (host ${b.host})` : ''}\n${formatTable(b.titles, b.processes)}`).join('\n'));
        for (const d of problems) io.stderr(`error: ${d}\n`);
        if (problems.length) throw new ExitCode(1);
      } finally {
        s.dispose();
      }
    });
}
