/** `exec`: a command in a service's running container, detached or joined to the user's terminal. */
import { EXIT, UsageError } from '../../errors.js';
import type { Engine } from '../../engine/engine.js';
import type { ContainersContext, TerminalPort } from './context.js';
import { locateContainer } from './locate.js';

/** `-e KEY=VAL` as is; `-e KEY` takes KEY's value from tsfig's environment (dropped when unset). */
export function execEnv(flags: string[] | undefined, env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq === 0 || f === '') throw new UsageError(`invalid environment variable "${f}": use KEY=VALUE or KEY`);
    if (eq > 0) out.push(f);
    else if (env[f] !== undefined) out.push(`${f}=${env[f]}`);
  }
  return out;
}

export interface ExecRequest {
  service: string;
  index: number;
  cmd: string[];
  env: string[];
  user?: string;
  workdir?: string;
  privileged?: boolean;
  detach?: boolean;
  /** false with -T: no pseudo-terminal even when stdin is one. */
  tty?: boolean;
}

/** Where the command runs: a container's ID and its engine (default: the service's container `index`). */
export type ExecTarget = (ctx: ContainersContext, service: string, index: number) => Promise<{ id: string; engine: Engine }>;

const serviceContainer: ExecTarget = async (ctx, service, index) => {
  const { container, engine } = await locateContainer(ctx, service, index, { running: true });
  return { id: container.id, engine };
};

/** Runs the command; its exit code (0 when detached, 130 when interrupted). */
export async function execInService(ctx: ContainersContext, req: ExecRequest, terminal: TerminalPort, target: ExecTarget = serviceContainer): Promise<number> {
  const { id, engine } = await target(ctx, req.service, req.index);
  const c = { id };
  const base = {
    cmd: req.cmd,
    ...(req.env.length > 0 ? { env: req.env } : {}),
    ...(req.user !== undefined ? { user: req.user } : {}),
    ...(req.workdir !== undefined ? { workingDir: req.workdir } : {}),
    ...(req.privileged === true ? { privileged: true } : {}),
  };
  if (req.detach === true) {
    await engine.execDetached(c.id, base);
    return EXIT.ok;
  }
  const tty = req.tty !== false && terminal.stdinIsTTY;
  // From here Ctrl-C (without a TTY) detaches from the command.
  terminal.claimSignals();
  const x = await engine.execInteractive(c.id, { ...base, tty, stdin: true });
  let interrupted = false;
  await terminal.connect(x, {
    tty,
    stdin: true,
    resize: (size) => x.resize(size),
    onInterrupt: () => {
      interrupted = true;
      x.close();
    },
  });
  if (interrupted) return EXIT.interrupted;
  return await x.exitCode;
}
