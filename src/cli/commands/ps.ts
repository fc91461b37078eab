import { Command, Option } from 'commander';
import { listContainers } from '../../app/containers/ps.js';
import { formatPorts } from '../../ui/format.js';
import { formatTable } from '../../ui/table.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

export function psCommand(io: IO): Command {
  return new Command('ps')
    .description('List the containers of the stack')
    .option('-a, --all', 'also stopped containers and one-off containers')
    .option('-q, --quiet', 'only container IDs')
    .option('--services', 'only service names')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ all?: boolean; quiet?: boolean; services?: boolean; format: 'table' | 'json' }>();
      const s = await openSession(this, io, { byName: true });
      try {
        const { rows, multiHost, problems } = await listContainers(containersContext(s), { services, all: flags.all === true });
        if (flags.quiet) for (const c of rows) io.stdout(`${c.id}\n`);
        else if (flags.services) for (const n of [...new Set(rows.map((c) => c.service))].sort()) io.stdout(`${n}\n`);
        else if (flags.format === 'json') {
          io.stdout(
            JSON.stringify(
              rows.map((c) => ({
                ID: c.id,
                Name: c.name,
                Service: c.service,
                Number: c.number,
                OneOff: c.oneoff,
                Host: c.host,
                Image: c.image,
                State: c.state,
                Status: c.status,
                Ports: formatPorts(c.ports),
                Publishers: c.ports.map((p) => ({ URL: p.ip ?? '', TargetPort: p.privatePort, PublishedPort: p.publicPort ?? 0, Protocol: p.type })),
              })),
              null,
              2,
            ) + '\n',
          );
        } else {
          const headers = [...(multiHost ? ['HOST'] : []), 'NAME', 'SERVICE', 'STATUS', 'PORTS'];
          const table = rows.map((c) => [...(multiHost ? [c.host] : []), c.name, c.oneoff ? `${c.service} (one-off)` : c.service, c.status, formatPorts(c.ports)]);
          io.stdout(formatTable(headers, table));
        }
        for (const d of problems) io.stderr(`error: ${d}\n`);
        if (problems.length) throw new ExitCode(1);
      } finally {
        s.dispose();
      }
    });
}
