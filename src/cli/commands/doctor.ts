import { Command } from 'commander';
import { doctor } from '../../app/doctor.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';

/** The health of the project's hosts and overlay networks (app/doctor.ts). */
export function doctorCommand(io: IO): Command {
  return new Command('doctor')
    .description('Check the hosts and the overlay networks of the project (a probe across each host pair)')
    .action(async function (this: Command) {
      const s = await openSession(this, io);
      try {
        await doctor(s);
      } finally {
        s.dispose();
      }
    });
}
