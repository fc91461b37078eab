/**
 * Secret canaries (issue 15), with the built binary on the real engine: a canary value in
 * `.env`, in an `env_file`, in an `environment:` value and in a `secrets:` file never appears
 * in what tsfig prints or stores: plan, up's progress (plain and json), a recreate's cause, a
 * config error and an engine error, `ps --format json`, `events --json` while up runs, down,
 * and the labels tsfig puts on containers. (`config` prints the project as written, by design.)
 * The canaries do reach the containers (checked with exec), so they were in play.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, eventually, requireEngine } from './support/harness.js';
import { BIN, containersOf, run, scenarios, sh, spawnTsfig, type Child } from './support/stack.js';

const CORE = 'QXJ7K2WZ';

let engine: Engine;
const { scenario, cleanup } = scenarios('canary');
const children: Child[] = [];

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN}: run npm run build first`).toBe(true);
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await c.done;
  }
  await cleanup(engine);
});

describe('secret canaries', () => {
  it('never appear in plan, progress, errors, ps --format json, events, down or the labels', async () => {
    const { project, dir } = scenario('canaries');
    const said: Array<[string, string]> = [];
    const keep = (what: string, r: { stdout: string; stderr: string }) => {
      said.push([`${what} (stdout)`, r.stdout], [`${what} (stderr)`, r.stderr]);
      return r;
    };

    keep('plan', await run(dir, project, ['plan']));
    expect(said.at(-2)![1]).toContain(`${project}-web-1`);

    // events --json while up runs: until the worker's start has been printed.
    const events = spawnTsfig(dir, project, ['events', '--json']);
    children.push(events);
    let eventsOut = '';
    events.proc.stdout?.on('data', (b: Buffer) => (eventsOut += b.toString('utf8')));
    await eventually(() => expect(events.proc.pid).toBeDefined());
    const up = keep('up -d (plain)', await run(dir, project, ['up', '-d'], { TSFIG_PROGRESS: 'plain' }));
    expect(up.stderr).toMatch(/Started/);
    await eventually(() => expect(eventsOut).toMatch(new RegExp(`"action":"start".*"service":"worker"|"service":"worker".*"action":"start"`)));
    events.proc.kill('SIGINT');
    const ev = await events.done;
    said.push(['events --json', eventsOut], ['events --json (stderr)', ev.stderr]);

    // The canaries are in the containers: they were in play.
    expect(await sh(engine, `${project}-web-1`, 'echo "$INLINE $FROM_DOTENV $ENVFILE_CANARY $(cat /run/secrets/pw)"')).toBe(
      `inline-${CORE}-d dotenv-${CORE}-a envfile-${CORE}-b secretfile-${CORE}-c\n`,
    );

    keep('ps --format json', await run(dir, project, ['ps', '--format', 'json']));
    expect(said.at(-2)![1]).toContain(`${project}-worker-1`);
    keep('ps -a --format json', await run(dir, project, ['ps', '-a', '--format', 'json']));

    // A recreate: its cause names the variable, never the value (json progress this time).
    copyFileSync(join(dir, 'fig.v2.yml'), join(dir, 'fig.yml'));
    const plan2 = keep('plan (changed)', await run(dir, project, ['plan']));
    expect(plan2.stdout).toContain('environment.INLINE changed');
    keep('up -d (json)', await run(dir, project, ['up', '-d'], { TSFIG_PROGRESS: 'json' }));

    // The labels tsfig put on the containers.
    for (const c of await containersOf(engine, project)) {
      const labels = (await engine.inspectContainer(c.id)).config.labels;
      expect(Object.keys(labels).some((k) => k.startsWith('io.tsfig.'))).toBe(true);
      said.push([`labels of ${c.name}`, JSON.stringify(labels)]);
    }

    // Errors: a size from .env that is no size (config), an entrypoint the engine cannot run.
    const bad = keep('up with a config error', await run(dir, project, ['-f', 'fig.bad.yml', 'up', '-d']));
    expect(bad.stderr).toContain('fig.bad.yml:8:16: size "${MEM}" is not valid');
    const failed = keep('up with an engine error', await run(dir, project, ['-f', 'fig.fail.yml', 'up', '-d', '--remove-orphans'], { TSFIG_PROGRESS: 'plain' }));
    expect(failed.stderr).toContain('nonexistent');

    keep('down', await run(dir, project, ['-f', 'fig.fail.yml', 'down', '--remove-orphans']));

    const leaks = said.filter(([, text]) => text.includes(CORE)).map(([what, text]) => `${what}: ${text.split('\n').find((l) => l.includes(CORE))}`);
    expect(leaks).toEqual([]);
  });
});
