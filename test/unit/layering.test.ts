/**
 * The import rules of .dependency-cruiser.cjs (run by `npm run lint`): each fires on a small
 * fixture tree that breaks it, by rule name and file, and a tree that keeps the table passes.
 * Then the allow-list of today's violations holds exactly what src/ still does.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type IConfiguration, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as IConfiguration;

/** Runs the checker over `src` of `baseDir`; `allowList: false` drops today's allow-list. */
async function check(baseDir: string, { allowList }: { allowList: boolean }): Promise<ICruiseResult> {
  const ruleSet = allowList ? config : { ...config, options: { ...config.options, knownViolations: [] } };
  const { output } = await cruise(['src'], { validate: true, ruleSet, baseDir, outputType: 'json' });
  return JSON.parse(output as string) as ICruiseResult;
}

/** One line per violation: `rule: from -> to`, or for a cycle `no-cycle: a -> b -> a`. */
function describeViolation(v: IViolation): string {
  const path = v.cycle ? [v.from, ...v.cycle.map((m) => m.name)] : [v.from, v.to];
  return `${v.rule.name}: ${path.join(' -> ')}`;
}

async function violationsOf(fixture: string): Promise<string[]> {
  const result = await check(join(here, 'testdata', 'layering', fixture), { allowList: false });
  return result.summary.violations.map(describeViolation).sort();
}

// The checker parses with the TypeScript compiler: a few seconds on a busy machine.
const slow = { timeout: 60_000 };

describe('the layering rules', slow, () => {
  it('pass a tree that keeps the table: every layer, type-only cells, the child_process exceptions', async () => {
    const result = await check(join(here, 'testdata', 'layering', 'clean'), { allowList: false });
    expect(result.summary.violations).toEqual([]);
    // the tree really has the imports the rules look at (a checker that saw nothing would pass too)
    expect(result.modules.filter((m) => m.source.startsWith('src/'))).toHaveLength(14);
    expect(result.summary.totalDependenciesCruised).toBe(21);
  });

  it.each([
    ['engine-imports-cli', ['layer-engine: src/engine/docker.ts -> src/cli/main.ts']],
    // a type import counts: cli/ never names engine/
    ['cli-imports-engine', ['layer-cli: src/cli/ps.ts -> src/engine/engine.ts']],
    ['cli-loads-config', ['layer-cli-types-only: src/cli/context.ts -> src/config/load.ts']],
    ['backend-imports-app', ['layer-backend: src/backend/engine.ts -> src/app/up.ts']],
    ['unknown-folder', ['layer-unknown: src/helpers/name.ts -> src/model/project.ts']],
    ['child-process-in-reconcile', ['child-process: src/reconcile/execute.ts -> child_process']],
    [
      'type-cycle',
['no-cycle: src/model/network.ts -> src/model/service.ts -> src/model/network.ts']
    ],
  ])('report %s by rule and file', async (fixture, expected) => {
    expect(await violationsOf(fixture)).toEqual(expected);
  });

  it('report dockerode imported outside engine/', async () => {
    const found = await violationsOf('dockerode-outside-engine');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^dockerode: src\/overlay\/helper\.ts -> .*node_modules\/dockerode\//);
  });
});

describe("today's allow-list", slow, () => {
  it('excuses exactly the violations src/ has (remove an entry once its import is gone), and no other', async () => {
    const key = (v: Pick<IViolation, 'from' | 'to' | 'rule' | 'cycle'>): string =>
      `${v.rule.name}: ${v.cycle ? v.cycle.map((m) => m.name).sort().join(' ') : `${v.from} -> ${v.to}`}`;
    const allowed = (config.options?.knownViolations ?? []).map(key);
    expect(new Set(allowed).size).toBe(allowed.length);

    const { summary } = await check(root, { allowList: true });
    expect(summary.violations.filter((v) => v.rule.severity !== 'ignore').map(describeViolation)).toEqual([]);
    expect(summary.violations.map(key).sort()).toEqual([...allowed].sort());
  });
});
