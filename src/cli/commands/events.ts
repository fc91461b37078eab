import { Command } from 'commander';
import { streamEvents, type ProjectEvent } from '../../app/containers/events.js';
import { ExitCode } from '../../errors.js';
import { containersContext } from '../containers.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';
import { parseTimeFlag } from '../flags.js';
import { isSwarm, swarmEventScope } from '../swarm.js';

/** `TIME TYPE ACTION ID (key=value, ...)`, as `docker events` prints. */
export function formatEvent(p: ProjectEvent): string {
  const attrs = Object.entries(p.attributes).map(([k, v]) => `${k}=${v}`);
  return `${p.time} ${p.host !== undefined ? `${p.host} ` : ''}${p.type} ${p.action} ${p.id}${attrs.length ? ` (${attrs.join(', ')})` : ''}\n`;
}

export function eventsCommand(io: IO): Command {
  return new Command('events')
    .description("Stream the engine's events about the containers of the stack, until Ctrl-C")
    .option('--json', 'one JSON object per line: {time, type, action, id, service, attributes}')
    .option('--since <time>', 'events since: RFC 3339, Unix seconds, or a duration back from now (10m, 1h30m); earlier events are replayed')
    .option('--until <time>', 'events until: same forms; the stream ends there')
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ json?: boolean; since?: string; until?: string }>();
      const now = Date.now();
      const sinceNs = parseTimeFlag('--since', flags.since, now);
      const untilNs = parseTimeFlag('--until', flags.until, now);
      const s = await openSession(this, io);
      // Ctrl-C ends the stream: no "cancelling" message, just stop.
      s.dispose();
      const stopping = new AbortController();
      const stop = (): void => stopping.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const scope = isSwarm(s) ? { scope: await swarmEventScope(s) } : {};
        const request = { services, ...scope, ...(sinceNs !== undefined ? { sinceNs } : {}), ...(untilNs !== undefined ? { untilNs } : {}) };
        const code = await streamEvents(containersContext(s), request, (p) => io.stdout(flags.json === true ? JSON.stringify(p) + '\n' : formatEvent(p)), stopping.signal);
        if (code !== 0) throw new ExitCode(code);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
