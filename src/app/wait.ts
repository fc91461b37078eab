/**
 * compose's `wait`: block until every container of the services has stopped (stopped ones count
 * at once), print each one's exit code on stdout as it stops, exit with the code of the last one
 * to stop; `--down-project` then brings the project down (as `down --remove-orphans`).
 */
import { EXIT, ExitCode, TsfigError } from '../errors.js';
import { exitLine, type ObservedState } from '../backend/index.js';
import { runPlan } from './apply.js';
import { backendOf, observeReachable, unreachable, type AppContext } from './context.js';
import { withProjectLock } from './lock.js';

/** Unreachable hosts the named services live on: their containers are unknown, so waiting would lie. */
function checkHosts(ctx: AppContext, observed: ObservedState, services: string[]): void {
  const backend = backendOf(ctx);
  const hosts = new Set(services.map((n) => ctx.project.services[n] ?? ctx.project.disabledServices[n]).flatMap((svc) => (svc ? [backend.hostOf(svc)] : [])));
  const down = unreachable({ ...observed, hosts: Object.fromEntries(Object.entries(observed.hosts).filter(([h]) => hosts.has(h))) });
  if (down.length) throw new TsfigError(down.join('; '));
}

/** `down --remove-orphans`, as compose's `wait --down-project` does. */
async function downProject(ctx: AppContext): Promise<number> {
  return withProjectLock(ctx, async () => {
    const observed = await observeReachable(ctx, 'down');
    return runPlan(ctx, backendOf(ctx).planDown(observed, { volumes: false, removeOrphans: true, images: [] }), observed, { quietNoop: 'nothing to remove' });
  });
}

/** `announce`: say which containers are waited for (progress on stderr). A non-zero code throws `ExitCode`. */
export async function waitServices(ctx: AppContext, req: { services: string[]; downProject?: boolean; announce: boolean }): Promise<void> {
  const backend = backendOf(ctx);
  const observed = await observeReachable(ctx);
  checkHosts(ctx, observed, req.services);
  const targets = backend.waitTargets(observed, req.services);
  const waiting = targets.filter((t) => !t.stopped).map((t) => t.container.name);
  if (waiting.length && req.announce) ctx.sink.line(`waiting for ${waiting.join(', ')}`);
  let code: number;
  try {
    code = await backend.waitStopped(
      targets,
      (c, n) => ctx.sink.result(exitLine(c, n)),
      (c, message) => ctx.sink.line(`${c.name}: ${message}`),
      ctx.signal,
    );
  } catch (err) {
    if (ctx.signal.aborted) throw new ExitCode(EXIT.interrupted);
    throw err;
  }
  if (req.downProject) {
    const down = await downProject(ctx);
    if (down !== 0) throw new ExitCode(down);
  }
  if (code !== 0) throw new ExitCode(code);
}
