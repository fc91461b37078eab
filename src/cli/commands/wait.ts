import { Command } from 'commander';
import { EngineError, EXIT, ExitCode, TsfigError } from '../../errors.js';
import { acquireLock } from '../../lock.js';
import { planDown } from '../../reconcile/lifecycle.js';
import { hostOf } from '../../reconcile/reconcile.js';
import { exitLine, waitAll, waitTargets } from '../../reconcile/wait.js';
import { openSession, observeSession, runPlan, unreachable, type Session } from '../runtime.js';
import type { IO } from '../context.js';

/** Unreachable hosts the named services live on: their containers are unknown, so waiting would lie. */
function checkHosts(s: Session, observed: Awaited<ReturnType<typeof observeSession>>, services: string[]): void {
  const hosts = new Set(services.map((n) => s.project.services[n] ?? s.project.disabledServices[n]).flatMap((svc) => (svc ? [hostOf(svc)] : [])));
  const down = unreachable({ ...observed, hosts: Object.fromEntries(Object.entries(observed.hosts).filter(([h]) => hosts.has(h))) });
  if (down.length) throw new TsfigError(down.join('; '));
}

/** `down --remove-orphans`, as compose's `wait --down-project` does. */
async function downProject(s: Session): Promise<number> {
  const release = await acquireLock(s.project.name, { signal: s.signal });
  try {
    const observed = await observeSession(s, { overlay: true });
    return await runPlan(s, planDown(s.project, observed, { volumes: false, removeOrphans: true, images: [] }), observed, { quietNoop: 'nothing to remove' });
  } finally {
    release();
  }
}

/**
 * compose's `wait`: block until every container of the services has stopped (stopped ones count
 * at once), print each one's exit code on stdout as it stops, exit with the code of the last one
 * to stop; `--down-project` then brings the project down.
 */
export function waitCommand(io: IO): Command {
  return new Command('wait')
    .description('Block until the containers of the services stop; print each exit code, exit with the last')
    .option('--down-project', 'then bring the whole project down (as down --remove-orphans)')
    .argument('<services...>', 'services whose containers to wait for')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ downProject?: boolean }>();
      const s = await openSession(this, io, { services, quietInterrupt: true });
      try {
        const observed = await observeSession(s);
        checkHosts(s, observed, services);
        const targets = waitTargets(observed, services);
        const waiting = targets.filter((t) => !t.stopped).map((t) => t.container.name);
        if (waiting.length && (s.progress === 'auto' || s.progress === 'tty' || s.progress === 'plain')) io.stderr(`waiting for ${waiting.join(', ')}\n`);
        let code: number;
        try {
          code = await waitAll(
            targets,
            async (c, signal) => {
              const engine = s.engines[c.host];
              if (!engine) throw new TsfigError(`container ${c.name}: no engine for host ${c.host}`);
              try {
                const r = await engine.waitContainer(c.id, { condition: 'not-running', signal });
                if (r.error !== undefined) io.stderr(`${c.name}: ${r.error}\n`);
                return r.statusCode;
              } catch (err) {
                if (err instanceof EngineError) throw new TsfigError(`container ${c.name}: ${err.message}`);
                throw err;
              }
            },
            (c, n) => io.stdout(exitLine(c, n)),
            s.signal,
          );
        } catch (err) {
          if (s.signal.aborted) throw new ExitCode(EXIT.interrupted);
          throw err;
        }
        if (flags.downProject) {
          const down = await downProject(s);
          if (down !== 0) throw new ExitCode(down);
        }
        if (code !== 0) throw new ExitCode(code);
      } finally {
        s.dispose();
      }
    });
}
