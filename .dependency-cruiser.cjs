// @ts-check
/**
 * The import rules of src/: the layer table of docs/ARCHITECTURE.md, no import cycle (type
 * imports included), and the two packages only one place may import. Run by `npm run -s lint`
 * (`depcruise --config .dependency-cruiser.cjs src`); test/unit/layering.test.ts runs it on small
 * fixture trees to show each rule fires.
 *
 * dependency-cruiser rather than eslint-plugin-import-x: its `tsPreCompilationDeps` keeps
 * `import type` edges in the graph, so a type-only cycle is a cycle (import-x's no-cycle skips
 * type imports), it reports each cycle once with its path, and it tells a type-only import from a
 * value import, which the "(types)" cells of the table need.
 */

/** Each layer: the files it is (a path regex, relative to the folder depcruise runs in). */
const LAYER = {
  model: '^src/model/',
  errors: '^src/errors\\.ts$',
  ui: '^src/ui/',
  graph: '^src/graph/',
  // lock.ts and settings.ts share a row of the table, so they may import each other.
  'lock-settings': '^src/(lock|settings)\\.ts$',
  config: '^src/config/',
  engine: '^src/engine/',
  build: '^src/build/',
  overlay: '^src/overlay/',
  reconcile: '^src/reconcile/',
  // logs/ and stats/ share a row of the table, so they may import each other.
  'logs-stats': '^src/(logs|stats)/',
  watch: '^src/watch/',
  backend: '^src/backend/',
  app: '^src/app/',
  cli: '^src/cli/',
};

/** Parts of a layer that a table cell names on their own. */
const PART = {
  lock: '^src/lock\\.ts$',
  settings: '^src/settings\\.ts$',
  logs: '^src/logs/',
  stats: '^src/stats/',
  'graph/draw': '^src/graph/draw\\.ts$',
  'ui/events': '^src/ui/events\\.ts$',
};

/** @param {string} name */
const where = (name) => {
  const path = LAYER[/** @type {keyof typeof LAYER} */ (name)] ?? PART[/** @type {keyof typeof PART} */ (name)];
  if (path === undefined) throw new Error(`.dependency-cruiser.cjs: no layer or part called ${name}`);
  return path;
};

/**
 * The table: what each layer may import besides itself. `may`: values and types; `types`: type
 * imports only (`import type`, erased at compile time).
 * @type {Record<keyof typeof LAYER, {may: string[], types?: string[]}>}
 */
const TABLE = {
  model: { may: [] },
  errors: { may: ['model'] },
  ui: { may: ['model'] },
  graph: { may: ['model'] },
  'lock-settings': { may: ['model', 'errors'], types: ['ui'] },
  config: { may: ['model', 'graph', 'errors'] },
  engine: { may: ['model', 'errors'] },
  build: { may: ['model', 'errors', 'engine'] },
  overlay: { may: ['model', 'errors', 'engine'] },
  reconcile: { may: ['model', 'graph', 'errors', 'engine', 'overlay', 'build', 'settings'], types: ['ui/events'] },
  'logs-stats': { may: ['model', 'errors', 'engine', 'ui'] },
  // never reconcile/, app/ or cli/: its converge moves to app/
  watch: { may: ['model', 'errors', 'config', 'graph', 'engine', 'build', 'logs', 'ui'] },
  backend: { may: ['model', 'graph', 'errors', 'engine', 'overlay', 'reconcile', 'build', 'ui', 'settings'] },
  app: {
    may: ['model', 'graph', 'errors', 'config', 'backend', 'build', 'logs', 'stats', 'watch', 'ui', 'settings', 'lock'],
    types: ['engine'],
  },
  // never engine/, reconcile/, overlay/ or backend/; config/ for its loader option types only,
  // graph/ for draw.ts only
  cli: { may: ['app', 'model', 'errors', 'graph/draw', 'ui', 'settings'], types: ['config'] },
};

/**
 * Imports that break the rules today, while issue 13's redesign moves the code. Per rule, each
 * entry is one file importing one file (`from -> to`), or for no-cycle the whole cycle
 * (`a -> b -> a`); nothing else is excused. Empty this list as the code moves:
 * test/unit/layering.test.ts fails on an entry that no longer happens.
 * @type {Record<string, string[]>}
 */
const ALLOWED_TODAY = {
  // cli/ still holds the use cases (issue 13 item 1: each command calls one app/ function,
  // which reaches engines through backend/; cli/ keeps flags, rendering and exit codes).
  'layer-cli': [
    'src/cli/attach.ts -> src/graph/graph.ts',
    'src/cli/attach.ts -> src/logs/follow.ts',
    'src/cli/attach.ts -> src/logs/watch.ts',
    'src/cli/attach.ts -> src/reconcile/lifecycle.ts',
    'src/cli/commands/attach.ts -> src/engine/engine.ts',
    'src/cli/commands/build.ts -> src/reconcile/images.ts',
    'src/cli/commands/build.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/commit.ts -> src/engine/engine.ts',
    'src/cli/commands/commit.ts -> src/overlay/plan.ts',
    'src/cli/commands/config.ts -> src/graph/graph.ts',
    'src/cli/commands/cp.ts -> src/engine/engine.ts',
    'src/cli/commands/cp.ts -> src/engine/tar.ts',
    'src/cli/commands/doctor.ts -> src/overlay/alloc.ts',
    'src/cli/commands/doctor.ts -> src/overlay/observe.ts',
    'src/cli/commands/doctor.ts -> src/overlay/plan.ts',
    'src/cli/commands/doctor.ts -> src/overlay/probe.ts',
    'src/cli/commands/doctor.ts -> src/overlay/types.ts',
    'src/cli/commands/doctor.ts -> src/reconcile/observe.ts',
    'src/cli/commands/doctor.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/down.ts -> src/lock.ts',
    'src/cli/commands/down.ts -> src/reconcile/lifecycle.ts',
    'src/cli/commands/down.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/events.ts -> src/engine/engine.ts',
    'src/cli/commands/exec.ts -> src/engine/engine.ts',
    'src/cli/commands/exec.ts -> src/reconcile/state.ts',
    'src/cli/commands/images.ts -> src/engine/engine.ts',
    'src/cli/commands/lifecycle.ts -> src/reconcile/lifecycle.ts',
    'src/cli/commands/lifecycle.ts -> src/reconcile/plan.ts',
    'src/cli/commands/lifecycle.ts -> src/reconcile/state.ts',
    'src/cli/commands/logs.ts -> src/logs/follow.ts',
    'src/cli/commands/ls.ts -> src/engine/connect.ts',
    'src/cli/commands/plan.ts -> src/reconcile/plan.ts',
    'src/cli/commands/plan.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/pull.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/push.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/run.ts -> src/engine/engine.ts',
    'src/cli/commands/run.ts -> src/lock.ts',
    'src/cli/commands/run.ts -> src/reconcile/oneoff.ts',
    'src/cli/commands/run.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/run.ts -> src/reconcile/spec.ts',
    'src/cli/commands/scale.ts -> src/lock.ts',
    'src/cli/commands/scale.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/stats.ts -> src/stats/collect.ts',
    'src/cli/commands/stats.ts -> src/stats/compute.ts',
    'src/cli/commands/up.ts -> src/lock.ts',
    'src/cli/commands/up.ts -> src/overlay/alloc.ts',
    'src/cli/commands/up.ts -> src/overlay/plan.ts',
    'src/cli/commands/up.ts -> src/overlay/probe.ts',
    'src/cli/commands/up.ts -> src/reconcile/images.ts',
    'src/cli/commands/up.ts -> src/reconcile/lifecycle.ts',
    'src/cli/commands/up.ts -> src/reconcile/plan.ts',
    'src/cli/commands/up.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/up.ts -> src/reconcile/state.ts',
    'src/cli/commands/version.ts -> src/engine/connect.ts',
    'src/cli/commands/volumes.ts -> src/engine/engine.ts',
    'src/cli/commands/wait.ts -> src/lock.ts',
    'src/cli/commands/wait.ts -> src/reconcile/lifecycle.ts',
    'src/cli/commands/wait.ts -> src/reconcile/reconcile.ts',
    'src/cli/commands/wait.ts -> src/reconcile/wait.ts',
    'src/cli/commands/watch.ts -> src/watch/converge.ts',
    'src/cli/commands/watch.ts -> src/watch/loop.ts',
    'src/cli/copy.ts -> src/engine/tar.ts',
    'src/cli/flags.ts -> src/logs/time.ts',
    'src/cli/interactive.ts -> src/engine/engine.ts',
    'src/cli/runtime.ts -> src/engine/connect.ts',
    'src/cli/runtime.ts -> src/engine/credentials.ts',
    'src/cli/runtime.ts -> src/engine/engine.ts',
    'src/cli/runtime.ts -> src/reconcile/execute.ts',
    'src/cli/runtime.ts -> src/reconcile/observe.ts',
    'src/cli/runtime.ts -> src/reconcile/plan.ts',
    'src/cli/runtime.ts -> src/reconcile/state.ts',
  ],
  // cli/ still loads the project itself (item 1: app/ loads; cli/ passes loader options).
  'layer-cli-types-only': [
    'src/cli/commands/config.ts -> src/config/output.ts',
    'src/cli/commands/run.ts -> src/config/shortsyntax.ts',
    'src/cli/commands/version.ts -> src/config/diagnostics.ts',
    'src/cli/commands/version.ts -> src/config/load.ts',
    'src/cli/context.ts -> src/config/diagnostics.ts',
    'src/cli/context.ts -> src/config/load.ts',
  ],
  // isRemoteContext is a model fact (item 5: model/).
  'layer-config': [
    'src/config/buildcheck.ts -> src/reconcile/images.ts',
    'src/config/canonical.ts -> src/reconcile/images.ts',
  ],
  // diagnostics move to model/diagnostic.ts (items 5 and 6).
  'layer-errors': [
    'src/errors.ts -> src/config/diagnostics.ts',
  ],
  // HostEngine (a type) belongs with the engines, not with observe (items 1 and 3).
  'layer-logs-stats': [
    'src/logs/follow.ts -> src/reconcile/observe.ts',
    'src/logs/watch.ts -> src/reconcile/observe.ts',
  ],
  // spec.ts re-parses what a fully typed Service already holds (item 5).
  'layer-reconcile': [
    'src/reconcile/spec.ts -> src/config/shortsyntax.ts',
  ],
  // watch's converge and rebuild move to app/ (item 1: one converge).
  'layer-watch': [
    'src/watch/converge.ts -> src/lock.ts',
    'src/watch/converge.ts -> src/reconcile/execute.ts',
    'src/watch/converge.ts -> src/reconcile/observe.ts',
    'src/watch/converge.ts -> src/reconcile/plan.ts',
    'src/watch/converge.ts -> src/reconcile/reconcile.ts',
    'src/watch/converge.ts -> src/reconcile/state.ts',
    'src/watch/loop.ts -> src/reconcile/observe.ts',
    'src/watch/loop.ts -> src/reconcile/reconcile.ts',
    'src/watch/rebuild.ts -> src/reconcile/observe.ts',
    'src/watch/rebuild.ts -> src/reconcile/reconcile.ts',
  ],
  // connect.ts <-> docker.ts <-> engine.ts <-> http.ts (item 4: endpoint types in their own module).
  'no-cycle': [
    'src/engine/connect.ts -> src/engine/context.ts -> src/engine/connect.ts',
    'src/engine/connect.ts -> src/engine/docker.ts -> src/engine/connect.ts',
    'src/engine/connect.ts -> src/engine/engine.ts -> src/engine/connect.ts',
    'src/engine/docker-build.ts -> src/engine/engine.ts -> src/engine/connect.ts -> src/engine/docker.ts -> src/engine/docker-build.ts',
    'src/engine/docker.ts -> src/engine/engine.ts -> src/engine/connect.ts -> src/engine/docker.ts',
    'src/engine/docker.ts -> src/engine/http.ts -> src/engine/connect.ts -> src/engine/docker.ts',
  ],
};

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const layerRules = Object.entries(TABLE).flatMap(([layer, { may, types = [] }]) => {
  /** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
  const rules = [
    {
      name: `layer-${layer}`,
      comment: `${layer} may import ${[...may, ...types.map((t) => `${t} (types)`)].join(', ') || 'nothing of ours'} (docs/ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: LAYER[/** @type {keyof typeof LAYER} */ (layer)] },
      to: { path: '^src/', pathNot: [LAYER[/** @type {keyof typeof LAYER} */ (layer)], ...may.map(where), ...types.map(where)] },
    },
  ];
  if (types.length > 0) {
    rules.push({
      name: `layer-${layer}-types-only`,
      comment: `${layer} may import only types from ${types.join(', ')} (docs/ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: LAYER[/** @type {keyof typeof LAYER} */ (layer)] },
      to: { path: types.map(where), dependencyTypesNot: ['type-only'] },
    });
  }
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unknown',
      comment: 'every file of src/ is in a layer of the table: add a new folder to the table first',
      severity: 'error',
      from: { path: '^src/', pathNot: Object.values(LAYER) },
      to: {},
    },
    {
      name: 'no-cycle',
      comment: 'no import cycle in src/, type imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'child-process',
      comment:
        'no process started from src/ but docker credential helpers (engine/credentials.ts) and ' +
        'Graphviz (cli/graphviz.ts): everything else goes through the Engine API',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(engine/credentials|cli/graphviz)\\.ts$' },
      to: { path: '^(node:)?child_process$' },
    },
    {
      name: 'dockerode',
      comment: 'only src/engine/ talks to Docker',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/' },
      to: { path: '(^|/)node_modules/(dockerode|docker-modem)/' },
    },
    {
      name: 'not-resolvable',
      comment: 'an import that resolves to nothing cannot be checked',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // resolve packages as Node does (p-queue has only an `exports` map)
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
    knownViolations: Object.entries(ALLOWED_TODAY).flatMap(([rule, entries]) =>
      entries.map((entry) => {
        const [from = '', to = '', ...rest] = entry.split(' -> ');
        const known = { from, to, rule: { name: rule, severity: /** @type {const} */ ('error') } };
        if (rest.length === 0) return { type: /** @type {const} */ ('dependency'), ...known };
        // a cycle is known by its members, whichever of them it is reported from
        const cycle = [to, ...rest.slice(0, -1), from].map((name) => ({ name, dependencyTypes: [] }));
        return { type: /** @type {const} */ ('cycle'), ...known, cycle };
      }),
    ),
  },
};
