/**
 * Helpers for tests against a real Docker engine (start one with `bash scripts/engine.sh`).
 *
 * Every resource a test creates carries `io.tsfig.project=<unique project>` and
 * `io.tsfig.test-session=<this run>`; cleanup goes by those labels only.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, resolveEndpoint } from '../../../src/engine/connect.js';
import type { Engine } from '../../../src/engine/engine.js';
import { EngineUnreachableError } from '../../../src/engine/errors.js';
import { EngineError } from '../../../src/errors.js';
import { eventually, type EventuallyOptions } from '../../support/sync.js';

export const PROJECT_LABEL = 'io.tsfig.project';
export const SESSION_LABEL = 'io.tsfig.test-session';

/** This test run (one per vitest worker process); `TSFIG_TEST_SESSION` overrides. */
export const SESSION_ID: string =
  process.env.TSFIG_TEST_SESSION !== undefined && process.env.TSFIG_TEST_SESSION !== ''
    ? process.env.TSFIG_TEST_SESSION
    : `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${process.pid}-${randomBytes(3).toString('hex')}`;

export function sessionLabels(): Record<string, string> {
  return { [SESSION_LABEL]: SESSION_ID };
}

/** The labels of a test resource of `project`: project + session. */
export function projectLabels(project: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [PROJECT_LABEL]: project, ...sessionLabels(), ...extra };
}

/** The engine named by DOCKER_HOST (or the default socket), as tsfig would connect. */
export function engineFromEnv(): Engine {
  return connect(resolveEndpoint({ env: process.env }));
}

/** Fails with a hint when no engine answers. Call in `beforeAll`. */
export async function requireEngine(engine: Engine): Promise<void> {
  try {
    await engine.ping();
  } catch (err) {
    if (err instanceof EngineUnreachableError) {
      throw new Error(`${err.message}\nStart one with: bash scripts/engine.sh`);
    }
    throw err;
  }
}

let projectCounter = 0;

/**
 * A unique, valid project name (lowercase letters, digits, `-`, `_`; starts with a letter or
 * digit): `<prefix>-<counter><random>`.
 */
export function uniqueProject(prefix = 't'): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 24);
  projectCounter += 1;
  return `${clean === '' ? 't' : clean}-${projectCounter.toString(36)}${randomBytes(4).toString('hex')}`;
}

function ignoreNotFound(err: unknown): void {
  if (err instanceof EngineError && err.statusCode === 404) return;
  throw err;
}

export interface CleanupResult {
  containers: number;
  networks: number;
  volumes: number;
}

/**
 * Remove containers (force, with volumes), then networks and volumes, matching all `labels`.
 *
 * A network the engine refuses for "active endpoints" is tried again: a container that appeared
 * after the list (a create a killed tsfig had sent) is removed on the next pass, and endpoints
 * whose container is gone are disconnected by name. A network dockerd 20.10 still refuses with
 * none listed (its leaked endpoint count, moby#42119: only a restart of dockerd recounts) is
 * left, said on stderr: the engine's defect, not the test's.
 */
export async function cleanupByLabels(engine: Engine, labels: Record<string, string | true>): Promise<CleanupResult> {
  const done: CleanupResult = { containers: 0, networks: 0, volumes: 0 };
  const removeContainers = async (): Promise<void> => {
    const containers = await engine.listContainers({ all: true, labels });
    done.containers += containers.length;
    // Four at a time: many parallel removals are what leaks endpoint counts in dockerd 20.10.
    for (let i = 0; i < containers.length; i += 4) {
      await Promise.all(containers.slice(i, i + 4).map((c) => engine.removeContainer(c.id, { force: true, volumes: true }).catch(ignoreNotFound)));
    }
  };
  await removeContainers();
  const [networks, volumes] = await Promise.all([engine.listNetworks({ labels }), engine.listVolumes({ labels })]);
  done.networks = networks.length;
  done.volumes = volumes.length;
  const leaked: string[] = [];
  await Promise.all(networks.map(async (n) => {
    try {
      await eventually(async () => {
        try {
          await engine.removeNetwork(n.id);
        } catch (err) {
          if (err instanceof EngineError && err.statusCode === 404) return;
          if (!(err instanceof EngineError && /active endpoints/.test(err.message))) throw Object.assign(err as Error, { fatal: true });
          await removeContainers();
          const info = await engine.inspectNetwork(n.id).catch(() => undefined);
          for (const ep of Object.values(info?.containers ?? {})) await engine.disconnectNetwork(n.id, ep.name, true).catch(() => undefined);
          throw err;
        }
      }, { timeout: 5_000, interval: 250, message: `network ${n.name}` });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof Error && (cause as { fatal?: boolean }).fatal) throw cause;
      leaked.push(n.name);
    }
  }));
  for (const name of leaked) process.stderr.write(`test cleanup: network ${name} left: the engine counts endpoints it does not list (dockerd 20.10, moby#42119)\n`);
  await Promise.all(volumes.map((v) => engine.removeVolume(v.name, { force: true }).catch(ignoreNotFound)));
  return done;
}

/** Remove everything labelled `io.tsfig.project=<project>`. */
export function cleanupProject(engine: Engine, project: string): Promise<CleanupResult> {
  return cleanupByLabels(engine, { [PROJECT_LABEL]: project });
}

/** Remove everything of this test session (or another one, by id). */
export function cleanupSession(engine: Engine, session: string = SESSION_ID): Promise<CleanupResult> {
  return cleanupByLabels(engine, { [SESSION_LABEL]: session });
}

export { eventually, type EventuallyOptions };

export interface DockerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run the docker CLI (argv array, no shell); never throws for a non-zero exit. */
export function dockerResult(...args: string[]): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new Error(`docker ${args.join(' ')}: ${err.message}`));
        return;
      }
      resolve({ exitCode: err === null ? 0 : (err.code as number), stdout, stderr });
    });
  });
}

/** Run the docker CLI; its stdout, or an error with its stderr when it exits non-zero. */
export async function docker(...args: string[]): Promise<string> {
  const r = await dockerResult(...args);
  if (r.exitCode !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** `docker inspect` (or any command printing JSON), parsed. */
export async function dockerJson<T = unknown>(...args: string[]): Promise<T> {
  return JSON.parse(await docker(...args)) as T;
}

/**
 * A busybox command line that exits at once on SIGTERM (busybox `sleep` as PID 1 ignores it,
 * so a plain `sleep` makes every stop wait the full timeout).
 */
export function idleCommand(before = ''): string[] {
  const prefix = before === '' ? '' : `${before}; `;
  return ['sh', '-c', `trap "exit 0" TERM; ${prefix}while :; do sleep 1 & wait $!; done`];
}
