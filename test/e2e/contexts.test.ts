/**
 * The docker CLI's contexts select the engine: a context store made by the real docker CLI
 * (`docker context create` / `use` into a temporary DOCKER_CONFIG), read by tsfig. A context
 * naming the real engine brings the stack up there; one naming a missing socket fails with
 * that socket in the message, which proves the context was read.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../src/engine/connect.js';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir, tsfig } from '../support/project.js';
import { cleanupProject, engineFromEnv, requireEngine, uniqueProject } from './support/harness.js';

const run = promisify(execFile);
let engine: Engine;
const project = uniqueProject('ctx');
const config = mkdtempSync(join(tmpdir(), 'tsfig-docker-config-'));
const here = resolveEndpoint({ env: process.env }).url;
const missing = join(config, 'no-engine-here.sock');

async function docker(...args: string[]): Promise<void> {
  await run('docker', args, { env: { PATH: process.env.PATH, HOME: config, DOCKER_CONFIG: config } });
}

const file = `services:
  app:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
`;

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  await docker('context', 'create', 'here', '--docker', `host=${here}`);
  await docker('context', 'create', 'gone', '--docker', `host=unix://${missing}`);
});

afterAll(async () => {
  await cleanupProject(engine, project);
});

describe('docker contexts', () => {
  const dir = projectDir({ 'fig.yml': file });
  // No DOCKER_HOST: the context decides.
  const env = (extra: Record<string, string> = {}) => ({ HOME: config, PATH: process.env.PATH, DOCKER_CONFIG: config, TSFIG_PROGRESS: 'plain', ...extra });
  const tsf = (args: string[], extra: Record<string, string> = {}) => tsfig(['-p', project, ...args], { cwd: dir, env: env(extra) });

  it('DOCKER_CONTEXT names the engine the stack goes to', async () => {
    const up = await tsf(['up', '-d'], { DOCKER_CONTEXT: 'here' });
    expect(up.code).toBe(0);
    expect((await engine.inspectContainer(`${project}-app-1`)).state.running).toBe(true);
  });

  it('a context naming a missing socket fails with one line naming the socket and the context, nothing on stdout', async () => {
    const ps = await tsf(['ps'], { DOCKER_CONTEXT: 'gone' });
    expect(ps.code).not.toBe(0);
    expect(ps.stderr).toMatch(new RegExp(`^cannot reach the Docker engine at unix://${missing.replace(/[/.]/g, '\\$&')} \\(docker context gone\\): .*\n$`));
    expect(ps.stdout).toBe('');
  });

  it('`docker context use` (currentContext) is followed, and --context and DOCKER_HOST win over it', async () => {
    await docker('context', 'use', 'gone');
    const current = await tsf(['ps', '-q']);
    expect(current.code).not.toBe(0);
    expect(current.stderr).toContain(missing);

    const flag = await tsfig(['-p', project, '--context', 'here', 'ps', '-q'], { cwd: dir, env: env() });
    expect(flag.code).toBe(0);
    expect(flag.stdout.trim()).toBe((await engine.inspectContainer(`${project}-app-1`)).id);

    const host = await tsf(['ps', '-q'], { DOCKER_HOST: here });
    expect(host.code).toBe(0);
    expect(host.stdout.trim()).not.toBe('');
    await docker('context', 'use', 'default');
  });

  it('-H with --context is a usage error (exit 2), as with the docker CLI', async () => {
    const both = await tsfig(['-H', here, '--context', 'here', '-p', project, 'ps'], { cwd: dir, env: env() });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --host or --context/);
  });
});
