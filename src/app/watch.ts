/**
 * The dev loop as a use case (`tsfig watch`, `up --watch`): the loop itself is watch/'s; what it
 * asks of the reconciler (re-plans, rebuilds) is this layer's one converge, under the lock.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import { EXIT, ExitCode } from '../errors.js';
import type { Project } from '../model/project.js';
import type { ReconcileOptions } from '../backend/index.js';
import { rulesFor, runDevLoop } from '../watch/loop.js';
import type { WatchConverge } from '../watch/port.js';
import { converge, convergeCommand } from './converge.js';
import { backendOf, withContext, type AppContext, type EventSink, type HostEngine } from './context.js';
import { lockProject } from './lock.js';

/** The converge the dev loop is given: quiet (build output aside), warnings returned, never throwing for the engine's refusals. */
export function watchConverge(ctx: AppContext): WatchConverge {
  return async (r) => {
    const warnings: Diagnostic[] = [];
    const sink: EventSink = {
      progress: () => ({
        emit: (e) => {
          if (e.type === 'message' && r.onOutput) r.onOutput(e.text);
        },
        close() {},
        showsFailures: true,
      }),
      line: ctx.sink.line,
      result: ctx.sink.result,
    };
    const sub: AppContext = { ...withContext(ctx, { sink }), project: r.project, hosts: r.hosts };
    const { version, env } = ctx.options;
    const options: ReconcileOptions = r.rebuild
      ? { version, services: [r.rebuild], noDeps: true, build: 'always', buildEnv: env }
      : { version, ...(r.services?.length ? { services: r.services } : {}), buildEnv: env };
    const release = await lockProject(sub);
    try {
      const c = await converge(sub, { options, allowUnreachable: true, skipNoop: true, onWarning: (w) => warnings.push(w), ...(r.rebuild ? { buildPrefix: () => '' } : {}) });
      const svc = r.rebuild !== undefined ? r.project.services[r.rebuild] : undefined;
      let image;
      if (svc) {
        const { host, ref } = backendOf(sub).serviceImage(svc);
        const before = c.imagesBefore[host]?.[ref];
        const after = c.phase === 'containers' ? c.imagesAfter[host]?.[ref] : undefined;
        image = { host, ref, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) };
      }
      return { done: c.done, failed: c.failed, errors: c.errors, warnings, aborted: c.aborted, ...(image ? { image } : {}) };
    } finally {
      release();
    }
  };
}

export interface WatchRequest {
  /** Services named on the command line ([] = every service with rules). */
  services: string[];
  /** Load the project again (after a project file changed); throws with a message on errors. */
  reload: () => Project;
  /** Connect the hosts of a reloaded project whose `hosts:` changed. */
  reconnect: (p: Project) => Promise<HostEngine[]>;
  poll?: number;
  debounceMs?: number;
  quiet?: boolean;
  prune?: boolean;
  /** Colours in the loop's lines. */
  color: boolean;
}

/** The rules of the named services (none, or wrong ones: an error before anything changes). */
export function checkWatch(ctx: AppContext, services: string[]): void {
  rulesFor(ctx.project, services);
}

/** Run the dev loop until the signal aborts. */
export async function runWatch(ctx: AppContext, req: WatchRequest, signal: AbortSignal = ctx.signal): Promise<void> {
  await runDevLoop({
    project: ctx.project,
    hosts: ctx.hosts,
    services: req.services,
    converge: watchConverge(ctx),
    signal,
    write: (line) => ctx.sink.line(line),
    reload: req.reload,
    reconnect: req.reconnect,
    ...(req.poll !== undefined ? { poll: req.poll } : {}),
    ...(req.debounceMs !== undefined ? { debounceMs: req.debounceMs } : {}),
    quiet: req.quiet === true,
    prune: req.prune === true,
    color: req.color,
  });
}

/** `tsfig watch`: `up` of the services to watch first (unless `noUp`), then the loop; exit 130 on Ctrl-C. */
export async function watch(ctx: AppContext, req: WatchRequest & { noUp?: boolean }): Promise<void> {
  checkWatch(ctx, req.services);
  if (!req.noUp) {
    const release = await lockProject(ctx);
    try {
      await convergeCommand(ctx, { options: { version: ctx.options.version, ...(req.services.length ? { services: req.services } : {}), buildEnv: ctx.options.env } });
    } finally {
      release();
    }
  }
  await runWatch(ctx, req);
  if (ctx.signal.aborted) throw new ExitCode(EXIT.interrupted);
}

/**
 * `up --watch`: once up has converged, watch while `follow` (attached up's log following) runs;
 * the loop ends with it.
 */
export async function followWithWatch(ctx: AppContext, req: WatchRequest, follow: () => Promise<number>): Promise<number> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (ctx.signal.aborted) stop.abort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const loop = runWatch(ctx, { ...req, prune: true }, stop.signal).catch((err: unknown) => {
    ctx.sink.line(`watch stopped: ${err instanceof Error ? err.message : String(err)}`);
  });
  try {
    return await follow();
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await loop;
  }
}
