/**
 * `tsfig watch [--no-up] [--no-prune] [--quiet] [--poll [ms]] [SERVICE...]`, and what `up --watch`
 * adds to attached up. Flags only: the use case is app/watch.ts, the loop watch/.
 */
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { watch, type WatchRequest } from '../../app/watch.js';
import { colorEnabled } from '../../ui/color.js';
import { globals, requireProject, type IO } from '../context.js';
import { connectHosts, openSession, type Session } from '../runtime.js';

interface WatchFlags {
  up?: boolean;
  prune?: boolean;
  quiet?: boolean;
  poll?: string | boolean;
}

export const DEFAULT_POLL_MS = 1000;

/** `--poll [ms]` over `TSFIG_WATCH_POLL` (`1`/`true`: on, a number >= 10: the interval in ms). */
export function pollInterval(flag: string | boolean | undefined, env: Record<string, string | undefined>): number | undefined {
  const parse = (v: string, what: string): number | undefined => {
    const t = v.trim().toLowerCase();
    if (t === '' || t === '0' || t === 'false' || t === 'no') return undefined;
    if (t === '1' || t === 'true' || t === 'yes') return DEFAULT_POLL_MS;
    const n = Number(t);
    if (!Number.isInteger(n) || n < 10) throw new UsageError(`invalid ${what} "${v}": use a number of milliseconds (>= 10), or 1 to poll every ${DEFAULT_POLL_MS} ms`);
    return n;
  };
  if (flag === true) return DEFAULT_POLL_MS;
  if (typeof flag === 'string') return parse(flag, '--poll');
  const e = env.TSFIG_WATCH_POLL;
  return e !== undefined ? parse(e, 'TSFIG_WATCH_POLL') : undefined;
}

/** `TSFIG_WATCH_DEBOUNCE_MS`: one fixed quiet period of a batch (unset: adaptive, 30 ms or 500 ms for a burst; compose uses 500). */
export function debounceMs(env: Record<string, string | undefined>): number | undefined {
  const v = env.TSFIG_WATCH_DEBOUNCE_MS;
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new UsageError(`invalid TSFIG_WATCH_DEBOUNCE_MS "${v}": use a number of milliseconds (0 to 60000)`);
  return n;
}

/** What the dev loop needs from the command line: reloading the project, reconnecting, the settings. */
function watchRequest(cmd: Command, s: Session, services: string[], opts: { prune?: boolean; quiet?: boolean; poll?: number }): WatchRequest {
  const g = globals(cmd);
  const debounce = debounceMs(s.io.env);
  return {
    services,
    reload: () => requireProject(g, s.io, services),
    reconnect: (p) => connectHosts(p, g, s.io),
    ...(opts.poll !== undefined ? { poll: opts.poll } : {}),
    ...(debounce !== undefined ? { debounceMs: debounce } : {}),
    quiet: opts.quiet === true,
    prune: opts.prune === true,
    color: colorEnabled({ isTTY: s.io.stderrTTY === true }, s.io.env),
  };
}

/** `up --watch`: the dev loop's request (the poll setting from TSFIG_WATCH_POLL). */
export function upWatchRequest(cmd: Command, s: Session, services: string[]): WatchRequest {
  const poll = pollInterval(undefined, s.io.env);
  return watchRequest(cmd, s, services, { prune: true, ...(poll !== undefined ? { poll } : {}) });
}

export function watchCommand(io: IO): Command {
  return new Command('watch')
    .description('Bring the stack up, then follow file changes: sync files into containers, rebuild or restart services (develop.watch rules)')
    .option('--no-up', "don't bring the stack up first")
    .option('--prune', 'after a rebuild, remove the image the service ran before (the default, as docker compose)', true)
    .option('--no-prune', 'keep the image the service ran before a rebuild')
    .option('--quiet', 'one line per action only: no build or command output')
    .option('--poll [ms]', `poll the file system instead of file events, every ms (default ${DEFAULT_POLL_MS}; TSFIG_WATCH_POLL): for network file systems and VMs`)
    .argument('[services...]', 'services to watch (default: every service with develop.watch rules)')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<WatchFlags>();
      const poll = pollInterval(flags.poll, io.env);
      debounceMs(io.env);
      const s = await openSession(this, io, { services, quietInterrupt: true });
      try {
        await watch(s, { ...watchRequest(this, s, services, { prune: flags.prune !== false, quiet: flags.quiet === true, ...(poll !== undefined ? { poll } : {}) }), noUp: flags.up === false });
      } finally {
        s.dispose();
      }
    });
}
