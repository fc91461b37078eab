/**
 * The dev loop: chokidar events -> debounced batches -> per-service actions (rebuild, sync,
 * restart, exec), one line per action; the project file re-plans the stack. Errors are shown
 * and watching goes on; the loop ends when its signal is aborted.
 *
 * Batches never overlap, and a resync (below) waits for the batch in flight: the engine sees one
 * change at a time from the loop.
 *
 * Rules with `initial_sync` are synced when the loop starts, and again into every container of
 * their service that starts while the loop runs (a recreate by a rebuild or by another `up`, a
 * restart): only what differs from the container's copy is sent.
 */
import { existsSync, type Stats } from 'node:fs';
import { resolve, sep } from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { ContainerSummary, Engine } from '../engine/engine.js';
import { TsfigError } from '../errors.js';
import { watchProject, type Watch } from '../logs/watch.js';
import { LABEL } from '../model/labels.js';
import type { Project } from '../model/project.js';
import type { HostEngine } from '../engine/engine.js';
import { hostOf } from '../model/service.js';
import { paint, serviceColor } from '../ui/color.js';
import { Batcher, DEFAULT_BURST_QUIET_MS, DEFAULT_MAX_WAIT_MS, DEFAULT_QUIET_MS, type Change, type ChangeKind } from './batch.js';
import { describeDone, type WatchConverge } from './port.js';
import { planBatch, type BatchPlan, type ServiceActions } from './plan.js';
import { rebuildService } from './rebuild.js';
import { canPrune, compileRules, isSyncAction, matchRule, projectRules, relativeTo, type CompiledRule } from './rules.js';
import { containerOwner, type Owner } from './owner.js';
import { applySync, collectSync, containerManifest, differs, syncArchive, walkRule, type SyncSet, type TargetContainer } from './sync.js';
import { formatDiagnostic } from '../model/diagnostic.js';

export interface DevLoopOptions {
  project: Project;
  hosts: HostEngine[];
  /** Services named on the command line ([] = every service with rules). */
  services: string[];
  /** The application's converge (re-plans after a project file changed, rebuilds). */
  converge: WatchConverge;
  signal: AbortSignal;
  /** One line for the user (no newline), on stderr. */
  write: (line: string) => void;
  /** Load the project again (after a project file changed); throws with a message on errors. */
  reload?: () => Promise<Project> | Project;
  /** Connect the hosts of a reloaded project whose `hosts:` changed. */
  reconnect?: (p: Project) => Promise<HostEngine[]>;
  /** Poll the file system every N ms instead of using file events (network file systems, VMs). */
  poll?: number;
  /** Only the line per action: no build output, no command output. */
  quiet?: boolean;
  /** After a rebuild, remove the image the service ran before. */
  prune?: boolean;
  debounceMs?: number;
  maxWaitMs?: number;
  color?: boolean;
  /** Skip the initial sync (tests). */
  noInitialSync?: boolean;
  /** Called once the watcher is ready and the initial sync is done. */
  onReady?: () => void;
  /** Called after each batch was handled. */
  onBatch?: (plan: BatchPlan) => void;
}

/** Rules for the named services (or all), checked; throws a TsfigError when there are none or some are wrong. */
export function rulesFor(project: Project, services: string[]): CompiledRule[] {
  const r = projectRules(project, services);
  const c = compileRules(r.rules, project);
  const errors = [...r.errors, ...c.errors];
  if (errors.length) throw new TsfigError(errors.join('\n'));
  if (!c.rules.length) {
    const which = services.length ? `services ${services.join(', ')}` : 'services';
    throw new TsfigError(`none of the selected ${which} has develop.watch rules: add a develop.watch section (see examples/dev-loop)`);
  }
  return c.rules;
}

/** Files whose change re-plans the stack: the project files (and the `.env` beside them). */
export function projectFilesOf(project: Project): Set<string> {
  return new Set([...project.files, resolve(project.workingDir, '.env')]);
}

/** Host paths an initial sync never sends: project files, Dockerfiles. */
function initialSyncExcludes(project: Project): Set<string> {
  const out = projectFilesOf(project);
  for (const svc of Object.values(project.services)) {
    const b = svc.build;
    if (b && typeof b.context === 'string') out.add(resolve(b.context, typeof b.dockerfile === 'string' ? b.dockerfile : 'Dockerfile'));
  }
  return out;
}

function ms(elapsed: number): string {
  return elapsed < 1000 ? `${Math.round(elapsed)} ms` : `${(elapsed / 1000).toFixed(1)} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function errText(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  return String(err);
}

const CHANGE_KINDS = new Set<string>(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);

interface State {
  project: Project;
  rules: CompiledRule[];
  projectFiles: Set<string>;
  roots: string[];
  hosts: HostEngine[];
}

function rootsOf(rules: CompiledRule[], projectFiles: Set<string>): string[] {
  return [...new Set([...rules.map((r) => r.path), ...projectFiles])].sort();
}

/** The roots to give the file watcher: those not inside another root (the outer one sees them). */
export function topRoots(roots: string[]): string[] {
  const sorted = [...new Set(roots)].sort();
  return sorted.filter((r) => !sorted.some((o) => o !== r && r.startsWith(o.endsWith(sep) ? o : o + sep)));
}

/** Run the dev loop until `signal` aborts. Rule problems throw before anything is watched. */
export async function runDevLoop(o: DevLoopOptions): Promise<void> {
  const state: State = {
    project: o.project,
    rules: rulesFor(o.project, o.services),
    projectFiles: projectFilesOf(o.project),
    roots: [],
    hosts: o.hosts,
  };
  state.roots = rootsOf(state.rules, state.projectFiles);
  const color = o.color === true;
  const p = paint(color);
  const names = () => [...new Set(state.rules.map((r) => r.service))].sort();
  const width = () => Math.max(5, ...names().map((n) => n.length));
  const say = (who: string, text: string) => {
    const idx = names().indexOf(who);
    const label = who.padEnd(width());
    const styled = idx >= 0 ? serviceColor(idx, color)(label) : p.bold(label);
    o.write(`${styled} | ${text}`);
  };
  const fail = (who: string, text: string) => {
    // What an abort breaks is no news.
    if (!o.signal.aborted) say(who, p.red(text));
  };

  // One action at a time.
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>): Promise<void> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const engineOf = (service: string): Engine | undefined => {
    const svc = state.project.services[service];
    const host = svc ? hostOf(svc) : 'default';
    return state.hosts.find((h) => h.name === host)?.engine;
  };

  /** Who owns synced files, per container (its user does not change while it exists). */
  const owners = new Map<string, Promise<Owner>>();
  const ownerOf = (service: string, id: string, name: string, engine: Engine): Promise<Owner> => {
    let p = owners.get(id);
    if (!p) {
      p = containerOwner(engine, id, o.signal).then((r) => {
        if (r.problem) say(service, `files synced into ${name} are owned by root: ${r.problem}`);
        return r.owner;
      });
      p.catch(() => owners.delete(id));
      owners.set(id, p);
    }
    return p;
  };

  /** The service's containers: running ones first; temporary replacements left out. */
  const containersOf = async (service: string): Promise<TargetContainer[]> => {
    const engine = engineOf(service);
    if (!engine) return [];
    const list: ContainerSummary[] = await engine.listContainers({ all: true, labels: { [LABEL.project]: state.project.name, [LABEL.service]: service }, signal: o.signal });
    return list
      .filter((c) => (c.labels[LABEL.oneoff] ?? '').toLowerCase() !== 'true' && !(c.state === 'created' && c.labels[LABEL.replace] !== undefined))
      .filter((c) => c.state !== 'removing' && c.state !== 'dead')
      .map((c) => ({ id: c.id, name: c.names[0] ?? c.id, engine, running: c.state === 'running', owner: () => ownerOf(service, c.id, c.names[0] ?? c.id, engine) }))
      .sort((a, b) => Number(b.running) - Number(a.running));
  };

  // ------------------------------------------------------------ actions

  const doSync = async (a: ServiceActions): Promise<void> => {
    const t0 = performance.now();
    // The engine lists the containers while the files are read: one round trip off the latency.
    const listed = containersOf(a.service);
    listed.catch(() => undefined);
    let set: SyncSet;
    try {
      set = await collectSync(a.sync, initialSyncExcludes(state.project));
    } catch (err) {
      fail(a.service, `sync failed: ${errText(err)}`);
      return;
    }
    if (!set.entries.length && !set.deletes.length) return;
    const targets = await listed;
    if (!targets.length) {
      fail(a.service, `not synced: the service has no container (tsfig up ${a.service})`);
      return;
    }
    const archive = set.entries.length ? syncArchive(set) : undefined;
    const results = await Promise.allSettled(targets.map((c) => applySync(c, set, archive, o.signal)));
    const failed = results.map((r, i) => ({ r, c: targets[i]! })).filter((x) => x.r.status === 'rejected');
    const files = set.entries.filter((e) => e.type !== 'directory').length;
    const dirs = set.entries.length - files;
    const parts: string[] = [];
    if (files || dirs) parts.push(`synced ${[files ? plural(files, 'file') : '', dirs ? plural(dirs, 'directory', 'directories') : ''].filter(Boolean).join(', ')}`);
    if (set.deletes.length) parts.push(`deleted ${plural(set.deletes.length, 'path')}`);
    const into = targets.length > 1 ? ` into ${plural(targets.length - failed.length, 'container')}` : '';
    if (failed.length === targets.length) {
      fail(a.service, `sync failed: ${errText((failed[0]!.r as PromiseRejectedResult).reason)}`);
      return;
    }
    say(a.service, `${parts.join(', ')}${into} in ${ms(performance.now() - t0)}`);
    for (const f of failed) fail(a.service, `sync into ${f.c.name} failed: ${errText((f.r as PromiseRejectedResult).reason)}`);
  };

  const doRebuild = async (service: string): Promise<void> => {
    const t0 = performance.now();
    const output: string[] = [];
    // A long build says it started (a quick one is one line, when done).
    const slow = setTimeout(() => say(service, 'rebuilding...'), 2000);
    const r = await rebuildService({
      project: state.project,
      hosts: state.hosts,
      service,
      converge: o.converge,
      prune: o.prune === true,
      onOutput: (line) => {
        output.push(line);
        if (output.length > 200) output.shift();
      },
    }).finally(() => clearTimeout(slow));
    if (r.aborted) return;
    if (!r.ok) {
      fail(service, `rebuild failed, the running containers are kept: ${r.error ?? 'unknown error'}`);
      if (!o.quiet) for (const l of output.slice(-15)) say(service, p.dim(`  ${l}`));
      return;
    }
    const pruned = r.pruned ? `; removed the previous image ${r.pruned.replace(/^sha256:/, '').slice(0, 12)}` : '';
    say(service, `rebuilt and ${r.summary ? 'recreated' : 'nothing to recreate'} in ${ms(performance.now() - t0)}${pruned}`);
  };

  const doRestart = async (service: string): Promise<void> => {
    const t0 = performance.now();
    const targets = (await containersOf(service)).filter((c) => c.running);
    if (!targets.length) {
      fail(service, 'not restarted: no running container');
      return;
    }
    const svc = state.project.services[service];
    const grace = typeof svc?.stop_grace_period === 'number' ? Math.ceil(svc.stop_grace_period / 1e9) : undefined;
    const results = await Promise.allSettled(targets.map((c) => c.engine.restartContainer(c.id, grace)));
    const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) fail(service, `restart failed: ${errText(bad.reason)}`);
    else say(service, `restarted${targets.length > 1 ? ` ${plural(targets.length, 'container')}` : ''} in ${ms(performance.now() - t0)}`);
  };

  const doExec = async (service: string, rule: CompiledRule): Promise<void> => {
    const hook = rule.exec;
    if (!hook) return;
    const t0 = performance.now();
    const targets = (await containersOf(service)).filter((c) => c.running);
    const cmd = hook.command.join(' ');
    if (!targets.length) {
      fail(service, `not run: ${cmd}: no running container`);
      return;
    }
    for (const c of targets) {
      try {
        const r = await c.engine.exec(c.id, {
          cmd: hook.command,
          ...(hook.user !== undefined ? { user: hook.user } : {}),
          ...(hook.workingDir !== undefined ? { workingDir: hook.workingDir } : {}),
          ...(hook.env !== undefined ? { env: hook.env } : {}),
          ...(hook.privileged ? { privileged: true } : {}),
          signal: o.signal,
        });
        if (r.exitCode === 0) {
          say(service, `ran ${cmd} in ${ms(performance.now() - t0)}`);
        } else {
          fail(service, `${cmd} exited ${r.exitCode}`);
          if (!o.quiet) for (const l of `${r.stdout}${r.stderr}`.trimEnd().split('\n').slice(-15)) if (l) say(service, p.dim(`  ${l}`));
        }
      } catch (err) {
        fail(service, `exec ${cmd} failed: ${errText(err)}`);
      }
    }
  };

  const runService = async (a: ServiceActions): Promise<void> => {
    try {
      if (a.rebuild) await doRebuild(a.service);
      if (o.signal.aborted) return;
      if (a.sync.length) await doSync(a);
      if (a.restart) await doRestart(a.service);
      for (const r of a.exec) await doExec(a.service, r);
    } catch (err) {
      if (o.signal.aborted) return;
      fail(a.service, `failed: ${errText(err)}`);
    }
  };

  // ------------------------------------------------------------ the project file

  const replan = async (changed: string[]): Promise<void> => {
    const t0 = performance.now();
    const what = changed.map((f) => relativeTo(state.project.workingDir, f) ?? f).join(', ');
    if (!o.reload) return;
    let next: Project;
    try {
      next = await o.reload();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const lines = msg.split('\n').filter(Boolean);
      fail('watch', `${what} changed, and has errors: nothing applied${lines.length ? ':' : ''}`);
      for (const l of lines.slice(0, 20)) fail('watch', `  ${l}`);
      return;
    }
    let rules: CompiledRule[];
    try {
      rules = rulesFor(next, o.services);
    } catch (err) {
      fail('watch', `${what} changed: nothing applied: ${errText(err)}`);
      return;
    }
    if (o.reconnect && JSON.stringify(next.hosts) !== JSON.stringify(state.project.hosts)) {
      try {
        state.hosts = await o.reconnect(next);
      } catch (err) {
        fail('watch', `${what} changed: cannot connect to its hosts: ${errText(err)}`);
        return;
      }
    }
    const r = await o.converge({ project: next, hosts: state.hosts, ...(o.services.length ? { services: o.services } : {}) });
    if (r.aborted) return;
    // The new file is in force from now on, even when a step failed (the next change retries).
    const oldRoots = state.roots;
    state.project = next;
    state.rules = rules;
    state.projectFiles = projectFilesOf(next);
    state.roots = rootsOf(rules, state.projectFiles);
    {
      const before = topRoots(oldRoots);
      const after = topRoots(state.roots);
      for (const r of before) if (!after.includes(r)) void unwatchRoot(r);
      for (const r of after) if (!before.includes(r)) void watchRoot(r);
    }
    for (const w of r.warnings) say('watch', p.yellow(formatDiagnostic(w, state.project.workingDir)));
    if (r.errors.length || r.failed.length) {
      fail('watch', `${what} changed: applying it failed`);
      for (const e of r.errors) fail('watch', `  ${formatDiagnostic(e, state.project.workingDir)}`);
      for (const f of r.failed) fail('watch', `  ${f.resource.kind} ${f.resource.name}: ${f.message}`);
      return;
    }
    const done = describeDone(r.done);
    say('watch', `${what} changed: ${done ? `${done} in ${ms(performance.now() - t0)}` : 'nothing to change'}`);
  };

  const handleBatch = async (changes: Change[]): Promise<void> => {
    const plan = planBatch(changes, state.rules, state.projectFiles);
    if (plan.services.length === 0 && !plan.replan) return;
    if (changes.length > 1000) say('watch', `${plural(changes.length, 'change')} at once (a branch switch?): handled as one batch`);
    await serial(async () => {
      if (plan.replan) await replan(plan.projectFiles);
      if (o.signal.aborted) return;
      // After a replan the rules may differ: plan the rest again.
      const rest = plan.replan ? planBatch(changes.filter((c) => !state.projectFiles.has(c.path)), state.rules, state.projectFiles) : plan;
      await Promise.all(rest.services.map((a) => runService(a)));
    });
    o.onBatch?.(plan);
  };

  // ------------------------------------------------------------ initial sync and resync

  const resync = async (rule: CompiledRule, only?: string): Promise<{ sent: number; same: number; containers: number }> => {
    const out = { sent: 0, same: 0, containers: 0 };
    if (!rule.target) return out;
    const files = await walkRule(rule, initialSyncExcludes(state.project));
    const targets = (await containersOf(rule.service)).filter((c) => only === undefined || c.id === only);
    for (const c of targets) {
      const manifest = await containerManifest(c.engine, c.id, rule.target, o.signal);
      const todo = files.filter((f) => differs(f, manifest.get(f.containerPath)));
      out.same += files.length - todo.length;
      out.containers++;
      if (!todo.length) continue;
      const set = await collectSync(todo.map((f) => ({ hostPath: f.hostPath, containerPath: f.containerPath })));
      await applySync(c, set, syncArchive(set), o.signal);
      out.sent += set.entries.length;
    }
    return out;
  };

  const initialSync = async (rules: CompiledRule[], only?: string): Promise<void> => {
    for (const rule of rules) {
      if (o.signal.aborted) return;
      const t0 = performance.now();
      try {
        const r = await resync(rule, only);
        if (r.containers === 0) {
          if (only === undefined) fail(rule.service, `initial sync of ${rule.target}: the service has no container`);
          continue;
        }
        if (r.sent > 0 || (only === undefined && !o.quiet)) {
          say(rule.service, `${only === undefined ? 'initial sync' : 'resync after start'}: synced ${plural(r.sent, 'file')} (${r.same} up to date) in ${ms(performance.now() - t0)}`);
        }
      } catch (err) {
        if (o.signal.aborted) return;
        fail(rule.service, `initial sync of ${rule.target} failed: ${errText(err)}`);
      }
    }
  };

  // ------------------------------------------------------------ watching

  const ignored = (path: string, stats?: Stats): boolean => {
    if (state.projectFiles.has(path)) return false;
    for (const root of state.roots) if (root === path || root.startsWith(path.endsWith(sep) ? path : path + sep)) return false;
    const covering = state.rules.filter((r) => relativeTo(r.path, path) !== undefined);
    if (!covering.length) return true;
    const isDir = stats ? stats.isDirectory() : undefined;
    if (isDir === true) return covering.every((r) => canPrune(r, path));
    if (isDir === false) return !covering.some((r) => matchRule(r, path));
    return covering.every((r) => canPrune(r, path) && !matchRule(r, path));
  };

  // A given debounce is a fixed quiet period; by default it adapts (a lone save goes after 30 ms, a storm is coalesced).
  const quiet = o.debounceMs !== undefined ? { quietMs: o.debounceMs } : { quietMs: DEFAULT_QUIET_MS, burstQuietMs: DEFAULT_BURST_QUIET_MS };
  const batcher = new Batcher({ ...quiet, maxWaitMs: o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, onBatch: handleBatch });

  const poll = o.poll !== undefined && o.poll > 0 ? o.poll : undefined;
  // One chokidar watcher per root: with several roots, chokidar 5 reports `ready` before it has
  // walked the trees (a race between the roots' ready counts), and changes made just after
  // would be missed.
  const watchers = new Map<string, { w: FSWatcher; ready: Promise<void> }>();
  const watchRoot = (root: string): Promise<void> => {
    const existing = watchers.get(root);
    if (existing) return existing.ready;
    const w = chokidarWatch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      ignored,
      ...(poll !== undefined ? { usePolling: true, interval: poll, binaryInterval: Math.max(poll, 1000) } : {}),
    });
    w.on('all', (event: string, path: string) => {
      if (CHANGE_KINDS.has(event)) batcher.push({ path, kind: event as ChangeKind });
    });
    w.on('error', (err: unknown) => fail('watch', `file watching: ${errText(err)}`));
    const ready = new Promise<void>((r) => w.once('ready', () => r()));
    watchers.set(root, { w, ready });
    return ready;
  };
  const unwatchRoot = async (root: string): Promise<void> => {
    const e = watchers.get(root);
    watchers.delete(root);
    await e?.w.close();
  };

  let containers: Watch | undefined;
  const aborted = new Promise<void>((r) => {
    if (o.signal.aborted) r();
    else o.signal.addEventListener('abort', () => r(), { once: true });
  });
  try {
    await Promise.race([Promise.all(topRoots(state.roots).map(watchRoot)), aborted]);
    if (o.signal.aborted) return;
    const n = state.rules.length;
    for (const r of state.rules) {
      if (!existsSync(r.path)) say(r.service, p.yellow(`${relativeTo(state.project.workingDir, r.path) ?? r.path} does not exist (yet): watched for when it appears`));
    }
    if (!o.noInitialSync) await serial(() => initialSync(state.rules.filter((r) => r.initialSync && isSyncAction(r.action))));
    // Containers that start from now on get the initial_sync rules' files again.
    containers = watchProject({
      hosts: state.hosts,
      project: state.project.name,
      follow: true,
      signal: o.signal,
      onEvent: (e) => {
        if (e.kind !== 'start' || e.container.oneoff) return;
        const rules = state.rules.filter((r) => r.service === e.container.service && r.initialSync && isSyncAction(r.action));
        if (!rules.length) return;
        void serial(() => initialSync(rules, e.container.id));
      },
    });
    await containers.ready;
    say('watch', `watching ${plural(n, 'rule')} of ${plural(names().length, 'service')}${poll !== undefined ? ` (polling every ${poll} ms)` : ''}; Ctrl-C to stop`);
    o.onReady?.();
    await aborted;
  } finally {
    await Promise.all([...watchers.keys()].map(unwatchRoot));
    await batcher.close();
    containers?.close();
    await containers?.closed;
    await chain;
  }
}
