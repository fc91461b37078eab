/**
 * What the dev loop asks of the reconciler, as `up` does it: the images first (pulls, builds),
 * then the containers, so their config hashes see the new image IDs. `rebuild` is the same
 * with `build: always` for one service and no dependencies: only that service's image is
 * built, and only its containers are recreated (their config hash holds the image ID).
 */
import { Credentials } from '../engine/credentials.js';
import type { Engine } from '../engine/engine.js';
import { acquireLock } from '../lock.js';
import type { Project } from '../model/project.js';
import { execute, imageLimits, type ExecuteResult } from '../reconcile/execute.js';
import { observe, type HostEngine } from '../reconcile/observe.js';
import { isNoop, type Plan, type PlanGroup, VERBS } from '../reconcile/plan.js';
import { planImages, reconcile, type ReconcileOptions } from '../reconcile/reconcile.js';
import type { ObservedState } from '../reconcile/state.js';
import type { ProgressEvent } from '../ui/events.js';
import type { Diagnostic } from '../model/diagnostic.js';

export interface ConvergeOptions {
  project: Project;
  hosts: HostEngine[];
  options: ReconcileOptions;
  env: Record<string, string | undefined>;
  parallel: number;
  signal?: AbortSignal;
  /** Progress events (builds' output lines come as `message` events). */
  onEvent?: (e: ProgressEvent) => void;
  /** Prefix of build output lines. */
  buildPrefix?: (service: string) => string;
  /** Take the project lock around the changes (default true). */
  lock?: boolean;
}

export interface ConvergeResult {
  /** Visible steps that ran to the end. */
  done: PlanGroup[];
  /** Steps that failed, with the engine's message. */
  failed: Array<{ group: PlanGroup; message: string }>;
  /** Problems that kept a plan from running at all. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
  aborted: boolean;
  /** Image IDs by host and reference before the images were made. */
  imagesBefore: Record<string, Record<string, string>>;
  /** The state observed last (after the images were made). */
  observed?: ObservedState;
}

function engines(hosts: HostEngine[]): Record<string, Engine> {
  return Object.fromEntries(hosts.map((h) => [h.name, h.engine]));
}

function reachableOnly(o: ObservedState): ObservedState {
  return { ...o, hosts: Object.fromEntries(Object.entries(o.hosts).filter(([, h]) => h.reachable)) };
}

/** Run the images phase, then the containers phase. Never throws for what the engine refuses: see the result. */
export async function converge(c: ConvergeOptions): Promise<ConvergeResult> {
  const result: ConvergeResult = { done: [], failed: [], errors: [], warnings: [], aborted: false, imagesBefore: {} };
  const release = c.lock === false ? () => {} : await acquireLock(c.project.name, c.signal ? { signal: c.signal } : {});
  try {
    const creds = new Credentials({ env: c.env, ...(c.env.HOME ? { homeDir: c.env.HOME } : {}) });
    const run = async (plan: Plan): Promise<ExecuteResult> => {
      const r = await execute(plan, {
        engines: engines(c.hosts),
        concurrency: c.parallel,
        ...(c.signal ? { signal: c.signal } : {}),
        ...(c.onEvent ? { onEvent: c.onEvent } : {}),
        ...imageLimits(c.env),
        registryAuth: (ref) => creds.forImage(ref),
        buildAuth: () => creds.all(),
        ...(c.buildPrefix ? { buildPrefix: c.buildPrefix } : {}),
      });
      const failedIds = new Set(r.failed.map((f) => f.group.id));
      const skippedIds = new Set(r.skipped.map((g) => g.id));
      result.done.push(...plan.groups.filter((g) => g.visible && !failedIds.has(g.id) && !skippedIds.has(g.id)));
      result.failed.push(...r.failed);
      if (r.aborted) result.aborted = true;
      return r;
    };
    const signal = c.signal ? { signal: c.signal } : {};
    let observed = await observe(c.project, c.hosts, { forUp: true, ...signal });
    for (const h of Object.values(observed.hosts)) result.imagesBefore[h.name] = { ...h.images };
    const options: ReconcileOptions = { ...c.options };
    const images = planImages(c.project, reachableOnly(observed), options);
    result.warnings.push(...images.warnings);
    if (images.errors.length) {
      result.errors.push(...images.errors);
      return result;
    }
    if (images.nodes.length) {
      const r = await run(images);
      if (r.failed.length || r.aborted) return result;
      observed = await observe(c.project, c.hosts, { forUp: true, ...signal });
      options.imagesDone = true;
    }
    result.observed = observed;
    const plan = reconcile(c.project, observed, options);
    result.warnings.push(...plan.warnings);
    if (plan.errors.length) {
      result.errors.push(...plan.errors);
      return result;
    }
    if (!isNoop(plan)) await run(plan);
    return result;
  } finally {
    release();
  }
}

/** `recreated web-1, built tsfig-web:latest` from the steps done (waits left out). */
export function describeDone(groups: PlanGroup[]): string {
  const words = groups.filter((g) => g.verb !== 'wait').map((g) => `${(g.doneAs ?? VERBS[g.verb].ed).toLowerCase()} ${g.resource.name}`);
  return words.join(', ');
}
