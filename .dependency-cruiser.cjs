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
 * Imports excused from the rules: none. The mechanism stays for a move that cannot land in one
 * step: per rule, each entry is one file importing one file (`from -> to`), or for no-cycle the
 * whole cycle (`a -> b -> a`); test/unit/layering.test.ts fails on an entry that no longer
 * happens, so the list never goes stale.
 * @type {Record<string, string[]>}
 */
const ALLOWED_TODAY = {};

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
