import { Command, Option } from 'commander';
import { TsfigError } from '../../errors.js';
import { openSession, observeSession } from '../runtime.js';
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
      const s = await openSession(this, io, { services: [service] });
      try {
        const observed = await observeSession(s);
        const c = Object.values(observed.hosts)
          .flatMap((h) => h.containers)
          .find((x) => x.service === service && !x.oneoff && x.number === Number(flags.index));
        if (!c) throw new TsfigError(`no container ${flags.index} of service ${service} (is it up?)`);
        const p = c.ports.find((x) => x.privatePort === Number(privatePort) && x.type === flags.protocol && x.publicPort !== undefined);
        if (!p) throw new TsfigError(`port ${privatePort}/${flags.protocol} of ${c.name} is not published`);
        io.stdout(`${p.ip && p.ip !== '' ? p.ip : '0.0.0.0'}:${p.publicPort}\n`);
      } finally {
        s.dispose();
      }
    });
}
