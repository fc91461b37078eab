import { Command, Option } from 'commander';
import { publishedPort } from '../../app/containers/port.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

export function portCommand(io: IO): Command {
  return new Command('port')
    .description('Print the public address a container port is published on')
    .argument('<service>')
    .argument('<private_port>')
    .addOption(new Option('--protocol <proto>', 'tcp or udp').choices(['tcp', 'udp', 'sctp']).default('tcp'))
    .option('--index <n>', 'which container of the service', '1')
    .action(async function (this: Command, service: string, privatePort: string) {
      const flags = this.opts<{ protocol: string; index: string }>();
      const s = await openSession(this, io, { services: [service], byName: true });
      try {
        io.stdout(`${await publishedPort(containersContext(s), { service, privatePort, protocol: flags.protocol, index: flags.index })}\n`);
      } finally {
        s.dispose();
      }
    });
}
