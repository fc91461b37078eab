/**
 * A missing build context is a load error at its file:line:col for `up`: nothing is made on the
 * engine (no network, no container of the project, not even of the services that need no
 * build), where `up` used to create the network and the other services and then fail the build.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir } from '../support/project.js';
import { engineFromEnv, PROJECT_LABEL, requireEngine, uniqueProject } from './support/harness.js';
import { cleanupStack, run } from './support/stack.js';

let engine: Engine;
const made: string[] = [];

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterEach(async () => {
  for (const p of made.splice(0)) await cleanupStack(engine, p);
});

async function madeFor(project: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const labels = { [PROJECT_LABEL]: project };
  const [containers, networks, volumes] = await Promise.all([
    engine.listContainers({ all: true, labels }),
    engine.listNetworks({ labels }),
    engine.listVolumes({ labels }),
  ]);
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

describe('up with a build context that does not exist', () => {
  const cases: Array<{ name: string; web: string; code: RegExp }> = [
    { name: 'missing context', web: '    build: ./nosuchdir\n', code: /^fig\.yml:8:12: build context \S+nosuchdir of service "web" not found/ },
    { name: 'missing dockerfile', web: '    build: {context: ., dockerfile: Nope.Dockerfile}\n', code: /^fig\.yml:8:37: dockerfile \S+Nope\.Dockerfile of service "web" not found/ },
  ];
  for (const c of cases) {
    it(`${c.name}: fails at the key's position and makes nothing`, async () => {
      const project = uniqueProject('buildctx');
      made.push(project);
      const dir = projectDir({
        'fig.yml':
          'services:\n  db:\n    image: busybox:latest\n    command: ["sh", "-c", "trap \'exit 0\' TERM; sleep 300 & wait"]\n    volumes: [data:/data]\n  web:\n    image: ' +
          `${project}-web\n${c.web}    depends_on: [db]\nvolumes:\n  data: {}\n`,
      });
      const r = await run(dir, project, ['up', '-d']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(c.code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await madeFor(project)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });
  }
});
