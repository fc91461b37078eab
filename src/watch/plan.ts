/**
 * Which actions a batch of changes triggers. Pure.
 *
 * Per service, in this order (as compose): `rebuild` (a new image and a recreated container),
 * then `sync` of every changed path a sync rule covers, then `restart` (skipped after a rebuild:
 * the container is new), then each `sync+exec` rule's command once. A change to a project file
 * re-plans the whole stack first, and is never synced.
 */
import type { Change } from './batch.js';
import { isSyncAction, matchAll, type CompiledRule } from './rules.js';

export interface SyncItem {
  /** Absolute host path. */
  hostPath: string;
  /** Absolute path in the container. */
  containerPath: string;
  /** The rule that matched: a directory is then synced with everything under it that the rule covers. */
  rule?: CompiledRule;
}

export interface ServiceActions {
  service: string;
  rebuild: boolean;
  restart: boolean;
  /** Deduplicated by container path (the last change wins). */
  sync: SyncItem[];
  /** `sync+exec` rules that matched, each once, in rule order. */
  exec: CompiledRule[];
  /** The changed paths behind the service's actions (for messages). */
  paths: string[];
}

export interface BatchPlan {
  /** A project file changed. */
  replan: boolean;
  /** The project files that changed. */
  projectFiles: string[];
  /** Services with something to do, by name. */
  services: ServiceActions[];
  /** Changes no rule wanted. */
  unmatched: number;
}

export function planBatch(changes: Change[], rules: CompiledRule[], projectFiles: ReadonlySet<string>): BatchPlan {
  const plan: BatchPlan = { replan: false, projectFiles: [], services: [], unmatched: 0 };
  const by = new Map<string, ServiceActions & { syncBy: Map<string, SyncItem> }>();
  const get = (service: string) => {
    let a = by.get(service);
    if (!a) {
      a = { service, rebuild: false, restart: false, sync: [], exec: [], paths: [], syncBy: new Map() };
      by.set(service, a);
    }
    return a;
  };
  for (const c of changes) {
    if (projectFiles.has(c.path)) {
      plan.replan = true;
      plan.projectFiles.push(c.path);
      continue;
    }
    const matches = matchAll(rules, c.path);
    if (!matches.length) {
      plan.unmatched++;
      continue;
    }
    for (const m of matches) {
      const a = get(m.rule.service);
      if (!a.paths.includes(c.path)) a.paths.push(c.path);
      const action = m.rule.action;
      if (action === 'rebuild') a.rebuild = true;
      if (action === 'restart' || action === 'sync+restart') a.restart = true;
      if (isSyncAction(action) && m.containerPath !== undefined) {
        a.syncBy.delete(m.containerPath);
        a.syncBy.set(m.containerPath, { hostPath: c.path, containerPath: m.containerPath, rule: m.rule });
      }
      if (action === 'sync+exec' && !a.exec.includes(m.rule)) a.exec.push(m.rule);
    }
  }
  for (const a of [...by.values()].sort((x, y) => (x.service < y.service ? -1 : x.service > y.service ? 1 : 0))) {
    const { syncBy, ...rest } = a;
    rest.sync = [...syncBy.values()];
    rest.exec.sort((x, y) => x.index - y.index);
    if (rest.rebuild) rest.restart = false;
    plan.services.push(rest);
  }
  return plan;
}

/** Short words for a service's actions: `rebuild`, `sync 3 files`, `restart`, `exec`. */
export function describeActions(a: ServiceActions): string {
  const parts: string[] = [];
  if (a.rebuild) parts.push('rebuild');
  if (a.sync.length) parts.push(`sync ${a.sync.length} ${a.sync.length === 1 ? 'path' : 'paths'}`);
  if (a.restart) parts.push('restart');
  if (a.exec.length) parts.push('exec');
  return parts.join(', ');
}
