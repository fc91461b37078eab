/**
 * `tsfig watch [--no-up] [--no-prune] [--quiet] [--poll [ms]] [SERVICE...]`, and what `up --watch`
 * adds to attached up. Wiring only: the loop lives in watch/.
 */
import { Command } from 'commander';
import { EXIT, ExitCode, TsfigError, UsageError } from '../../errors.js';
import { formatDiagnostic } from '../../model/diagnostic.js';
import type { Project } from '../../model/project.js';
import { colorEnabled } from '../../ui/color.js';
import { createRenderer, resolveProgressMode } from '../../ui/render.js';
import { converge } from '../../watch/converge.js';
import { rulesFor, runDevLoop } from '../../watch/loop.js';
import { globals, requireProject, type IO } from '../context.js';
import { connectHosts, openSession, type Session } from '../runtime.js';
import { VERSION } from '../version.js';

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

/** `TSFIG_WATCH_DEBOUNCE_MS`: the quiet period of a batch (default 300 ms; compose uses 500). */
export function debounceMs(env: Record<string, string | undefined>): number | undefined {
  const v = env.TSFIG_WATCH_DEBOUNCE_MS;
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 60_000) throw new UsageError(`invalid TSFIG_WATCH_DEBOUNCE_MS "${v}": use a number of milliseconds (0 to 60000)`);
  return n;
}

/** Run the dev loop for a session until its signal aborts (or `stop` does). */
export async function watchSession(cmd: Command, s: Session, services: string[], opts: { prune?: boolean; quiet?: boolean; poll?: number; signal?: AbortSignal }): Promise<void> {
  const g = globals(cmd);
  const debounce = debounceMs(s.io.env);
  await runDevLoop({
    project: s.project,
    hosts: s.hosts,
    services,
    version: VERSION,
    env: s.io.env,
    parallel: s.parallel,
    signal: opts.signal ?? s.signal,
    write: (line) => s.io.stderr(`${line}\n`),
    reload: (): Project => requireProject(g, s.io, services),
    reconnect: (p) => connectHosts(p, g, s.io),
    ...(opts.poll !== undefined ? { poll: opts.poll } : {}),
    ...(debounce !== undefined ? { debounceMs: debounce } : {}),
    quiet: opts.quiet === true,
    prune: opts.prune === true,
    color: colorEnabled({ isTTY: s.io.stderrTTY === true }, s.io.env),
  });
}

/**
 * `up --watch`: check the rules before anything runs (none is an error), then, once up has
 * converged, watch while `follow` (attached up's log following) runs; the loop ends with it.
 */
export function checkUpWatch(s: Session, services: string[], attached: boolean): void {
  if (!attached) throw new UsageError('--watch follows the stack: it cannot be used with -d, --no-start or --dry-run (use tsfig watch)');
  rulesFor(s.project, services);
}

export async function followWithWatch(cmd: Command, s: Session, services: string[], follow: () => Promise<number>): Promise<number> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (s.signal.aborted) stop.abort();
  else s.signal.addEventListener('abort', onAbort, { once: true });
  const poll = pollInterval(undefined, s.io.env);
  const loop = watchSession(cmd, s, services, { prune: true, signal: stop.signal, ...(poll !== undefined ? { poll } : {}) }).catch((err: unknown) => {
    s.io.stderr(`watch stopped: ${err instanceof Error ? err.message : String(err)}\n`);
  });
  try {
    return await follow();
  } finally {
    s.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await loop;
  }
}

/** `up -d` for the services to watch, with the session's progress output. */
async function upBeforeWatch(s: Session, services: string[]): Promise<void> {
  const out = { write: (t: string) => s.io.stderr(t), isTTY: Boolean(s.io.stderrTTY), ...(s.io.columns ? { columns: s.io.columns } : {}) };
  const renderer = createRenderer(s.progress, out, s.io.env, s.io.screen ? { screen: s.io.screen } : {});
  let r;
  try {
    r = await converge({
      project: s.project,
      hosts: s.hosts,
      options: { version: VERSION, ...(services.length ? { services } : {}), buildEnv: s.io.env },
      env: s.io.env,
      parallel: s.parallel,
      signal: s.signal,
      onEvent: (e) => renderer.emit(e),
    });
  } finally {
    renderer.close();
  }
  for (const w of r.warnings) s.io.stderr(`${formatDiagnostic(w, s.io.cwd)}\n`);
  if (r.aborted || s.signal.aborted) throw new ExitCode(EXIT.interrupted);
  if (r.errors.length) throw new TsfigError(r.errors.map((e) => formatDiagnostic(e, s.io.cwd)).join('\n'));
  if (r.failed.length) {
    // Shown once: by the progress output, unless it is quiet.
    if (resolveProgressMode(s.progress, out, s.io.env) === 'quiet') {
      for (const f of r.failed) s.io.stderr(`error: ${f.group.resource.kind} ${f.group.resource.name}: ${f.message}\n`);
    }
    throw new ExitCode(EXIT.failure);
  }
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
        // No rules, or wrong ones: say so before anything changes.
        rulesFor(s.project, services);
        if (flags.up !== false) await upBeforeWatch(s, services);
        await watchSession(this, s, services, { prune: flags.prune !== false, quiet: flags.quiet === true, ...(poll !== undefined ? { poll } : {}) });
        if (s.signal.aborted) throw new ExitCode(EXIT.interrupted);
      } finally {
        s.dispose();
      }
    });
}
