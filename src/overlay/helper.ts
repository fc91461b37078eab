/**
 * The helper container: host plumbing through the Docker API only. A short-lived container
 * with the host's network (`NetworkMode: host`), `CAP_NET_ADMIN` and the host's root mounted
 * read-only at `/host` runs `chroot /host /bin/sh -c SCRIPT`, so the host's own `ip`, `bridge`
 * and `iptables` act in the host's network namespace. Not privileged, no host PID namespace.
 * It carries the project label and `io.tsfig.helper`; it is removed after use, and leftovers
 * are removed by label.
 */
import { randomBytes } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import { collectDemuxed } from '../engine/streams.js';
import { isNotFound } from '../engine/errors.js';
import { LABEL } from '../model/labels.js';

export const HELPER_LABEL = 'io.tsfig.helper';

export interface HelperResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HelperOptions {
  project: string;
  image: string;
  script: string;
  /** Run this argv with the helper image's own tools instead of the host's shell (doctor's ping). */
  cmd?: string[];
  /** What the helper does (the label's value). */
  purpose?: string;
  signal?: AbortSignal;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
}

/** The create body of a helper (exported for tests). */
export function helperBody(opts: HelperOptions) {
  return {
    Image: opts.image,
    Cmd: opts.cmd ?? ['chroot', '/host', '/bin/sh', '-c', opts.script],
    Labels: { [LABEL.project]: opts.project, [HELPER_LABEL]: opts.purpose ?? 'overlay' },
    HostConfig: { NetworkMode: 'host', CapAdd: ['NET_ADMIN'], Binds: ['/:/host:ro'] },
  };
}

async function ensureImage(engine: Engine, image: string, call: { signal?: AbortSignal }): Promise<void> {
  if (await engine.inspectImage(image, call)) return;
  await engine.pullImage(image, undefined, call);
}

/** Run a script on the engine's host; resolves with its exit code and output. */
export async function runHelper(engine: Engine, opts: HelperOptions): Promise<HelperResult> {
  const call = opts.signal ? { signal: opts.signal } : {};
  const name = `tsfig-helper-${opts.project}-${randomBytes(4).toString('hex')}`.slice(0, 120);
  let created: { id: string };
  try {
    created = await engine.createContainer(name, helperBody(opts), call);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await ensureImage(engine, opts.image, call);
    created = await engine.createContainer(name, helperBody(opts), call);
  }
  const id = created.id;
  try {
    await engine.startContainer(id, call);
    const timeout = opts.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      engine.waitContainer(id, { ...call, condition: 'not-running' }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the helper container did not finish within ${Math.round(timeout / 1000)}s`)), timeout);
      }),
    ]).finally(() => clearTimeout(timer));
    const logs = await engine.logs(id, { stdout: true, stderr: true, buffered: true, ...call });
    const out = await collectDemuxed(logs);
    return { exitCode: waited.statusCode, stdout: out.stdout.toString('utf8'), stderr: out.stderr.toString('utf8') };
  } finally {
    await engine.removeContainer(id, { force: true }).catch(() => undefined);
  }
}

/** Run a script and fail with its stderr when it exits non-zero. */
export async function runHelperChecked(engine: Engine, opts: HelperOptions): Promise<string> {
  const r = await runHelper(engine, opts);
  if (r.exitCode !== 0) {
    const msg = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.exitCode}`).split('\n').slice(0, 8).join('; ');
    throw new Error(`host script failed (exit ${r.exitCode}): ${msg}`);
  }
  return r.stdout;
}

/** Remove the project's leftover helper containers (a run that was killed mid-way). */
export async function removeLeftoverHelpers(engine: Engine, project: string, signal?: AbortSignal): Promise<number> {
  const call = signal ? { signal } : {};
  const list = await engine.listContainers({ all: true, labels: { [LABEL.project]: project, [HELPER_LABEL]: true }, ...call });
  // A helper that is still running may belong to a concurrent command: only finished ones go.
  const done = list.filter((c) => c.state !== 'running');
  await Promise.all(done.map((c) => engine.removeContainer(c.id, { force: true }).catch(() => undefined)));
  return done.length;
}
