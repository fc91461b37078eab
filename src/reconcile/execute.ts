/**
 * execute: walk the Plan's DAG. Each node waits for its dependencies outside the queue, then
 * runs its one engine call inside a p-queue bounded by the parallel limit, the node with the
 * longest path still ahead of it first (`criticalRanks`). The executor makes no decisions: it
 * runs what the plan says and reports progress as events.
 */
import { Readable } from 'node:stream';
import PQueue from 'p-queue';
import { packContext } from '../build/context.js';
import type { BuildOptions, Engine, ProgressMessage, RegistryAuth } from '../engine/engine.js';
import { EngineUnreachableError, isAbortError, isConflict, isDroppedConnection, isEngineGone, isNotFound } from '../engine/errors.js';
import { EngineError } from '../errors.js';
import { LABEL } from '../model/labels.js';
import { imageSettings, parallelSetting } from '../settings.js';
import { runHelperChecked } from '../overlay/helper.js';
import type { ProgressEvent } from '../ui/events.js';
import { isRemoteContext } from './images.js';
import { VERBS, type Op, type Plan, type PlanGroup, type PlanNode } from './plan.js';

export interface ExecuteOptions {
  /** Engine per host name. */
  engines: Record<string, Engine>;
  /** Operations in flight at most (`--parallel`, TSFIG_PARALLEL_LIMIT). */
  concurrency: number;
  signal?: AbortSignal;
  onEvent?: (e: ProgressEvent) => void;
  now?: () => number;
  /** Poll interval of read-only waits. */
  pollMs?: number;
  /** Pulls and pushes in flight at most (their own queue; default 4, TSFIG_PULL_PARALLEL_LIMIT). */
  pullConcurrency?: number;
  /** Builds in flight at most (their own queue; default 4, TSFIG_BUILD_PARALLEL_LIMIT). */
  buildConcurrency?: number;
  /** Registry credentials for an image reference (pull, push). */
  registryAuth?: (ref: string) => Promise<RegistryAuth | undefined>;
  /** Every registry's credentials, for the FROM images of builds. */
  buildAuth?: () => Promise<Record<string, RegistryAuth>>;
  /** Prefix each line of build output (default: the service name and ` | `). */
  buildPrefix?: (service: string) => string;
}

export interface ExecuteResult {
  /** Steps that failed, with the engine's message. */
  failed: Array<{ group: PlanGroup; message: string }>;
  /** Steps not run because something they needed failed or the run was cancelled. */
  skipped: PlanGroup[];
  aborted: boolean;
  /**
   * Hosts whose engine went away during the run (stopped, restarted, unreachable): the first
   * message, and the steps not done on it. Those steps are neither in `failed` nor shown one by
   * one: no more calls go to that engine, and the run says it once.
   */
  engineGone?: Array<{ host: string; message: string; steps: PlanGroup[] }>;
}

class Skip extends Error {}

/** Image work has queues of its own: a long pull or build does not hold a container slot. */
function queueOf(op: Op): 'build' | 'pull' | 'main' {
  if (op.type === 'image.build') return 'build';
  if (op.type === 'image.pull' || op.type === 'image.push') return 'pull';
  return 'main';
}

/** Whether the engine answers a ping now (bounded by the transport's own time limit). */
async function answers(engine: Engine | undefined): Promise<boolean> {
  if (engine === undefined) return false;
  try {
    await engine.ping();
    return true;
  } catch {
    return false;
  }
}

/** Operations that can take long and make no change: they do not hold a queue slot. */
function isWait(op: Op): boolean {
  return op.type === 'container.wait';
}

export const DEFAULT_PARALLEL = 8;

/** `--parallel` > TSFIG_PARALLEL_LIMIT > 8 (on small machines the engine serializes most of container start); a bad value is a usage error. */
export function parallelLimit(flag: string | number | undefined, env: Record<string, string | undefined>): number {
  return parallelSetting(flag, env, DEFAULT_PARALLEL);
}

export const DEFAULT_IMAGE_PARALLEL = 4;

/** The pull and build limits: TSFIG_PULL_PARALLEL_LIMIT / TSFIG_BUILD_PARALLEL_LIMIT > 4; a bad value is a usage error. */
export function imageLimits(env: Record<string, string | undefined>): { pullConcurrency: number; buildConcurrency: number } {
  return imageSettings(env, DEFAULT_IMAGE_PARALLEL);
}

/**
 * Each node's rank: the number of nodes on the longest path from it to the end of the plan
 * (itself included). Queued work runs highest rank first, so the critical path (a depends_on
 * chain's starts) never waits behind work that nothing long waits for.
 */
export function criticalRanks(nodes: readonly PlanNode[]): Map<string, number> {
  const ids = new Set(nodes.map((n) => n.id));
  const dependents = new Map<string, string[]>();
  const pending = new Map<string, number>();
  for (const n of nodes) {
    const deps = [...new Set(n.deps)].filter((d) => ids.has(d));
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n.id]);
  }
  for (const n of nodes) pending.set(n.id, (dependents.get(n.id) ?? []).length);
  // Sinks first, then every node once all its dependents have their rank (a cycle keeps rank 1).
  const rank = new Map<string, number>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ready = nodes.filter((n) => pending.get(n.id) === 0).map((n) => n.id);
  while (ready.length) {
    const id = ready.pop()!;
    rank.set(id, 1 + Math.max(0, ...(dependents.get(id) ?? []).map((d) => rank.get(d) ?? 0)));
    for (const d of new Set(byId.get(id)!.deps)) {
      if (!pending.has(d)) continue;
      const left = pending.get(d)! - 1;
      pending.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  for (const n of nodes) if (!rank.has(n.id)) rank.set(n.id, 1);
  return rank;
}

export async function execute(plan: Plan, opts: ExecuteOptions): Promise<ExecuteResult> {
  const now = opts.now ?? Date.now;
  const emit = opts.onEvent ?? (() => {});
  const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
  const queues = {
    main: queue,
    pull: new PQueue({ concurrency: Math.max(1, opts.pullConcurrency ?? DEFAULT_IMAGE_PARALLEL) }),
    build: new PQueue({ concurrency: Math.max(1, opts.buildConcurrency ?? DEFAULT_IMAGE_PARALLEL) }),
  };
  const groups = new Map(plan.groups.map((g) => [g.id, g]));
  const remaining = new Map<string, number>();
  for (const n of plan.nodes) remaining.set(n.group, (remaining.get(n.group) ?? 0) + 1);
  const started = new Map<string, number>();
  const failedGroups = new Set<string>();
  const result: ExecuteResult = { failed: [], skipped: [], aborted: false };
  const gone = new Map<string, { host: string; message: string; steps: PlanGroup[] }>();
  const hostOfOp = (op: Op): string | undefined => ('host' in op && typeof op.host === 'string' ? op.host : undefined);
  /** A step on an engine that went away: counted once on that host, not shown as a failure of its own. */
  const goneStep = (host: string, g: PlanGroup, message?: string) => {
    const entry = gone.get(host) ?? { host, message: message ?? '', steps: [] };
    gone.set(host, entry);
    if (!failedGroups.has(g.id)) {
      failedGroups.add(g.id);
      entry.steps.push(g);
    }
  };
  const promises = new Map<string, Promise<void>>();
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const ranks = criticalRanks(plan.nodes);

  const groupStart = (g: PlanGroup) => {
    if (started.has(g.id)) return;
    started.set(g.id, now());
    if (g.visible) emit({ type: 'start', id: g.id, resource: g.resource, action: VERBS[g.verb].ing, at: now() });
  };
  const groupDone = (g: PlanGroup) => {
    const left = (remaining.get(g.id) ?? 1) - 1;
    remaining.set(g.id, left);
    if (left === 0 && !failedGroups.has(g.id) && g.visible) {
      emit({ type: 'done', id: g.id, resource: g.resource, action: g.doneAs ?? VERBS[g.verb].ed, at: now(), elapsedMs: now() - (started.get(g.id) ?? now()) });
    }
  };
  const groupFail = (g: PlanGroup, message: string) => {
    if (failedGroups.has(g.id)) return;
    failedGroups.add(g.id);
    result.failed.push({ group: g, message });
    emit({ type: 'error', id: g.id, resource: g.resource, message, at: now(), elapsedMs: now() - (started.get(g.id) ?? now()) });
  };

  const run = (node: PlanNode): Promise<void> => {
    const existing = promises.get(node.id);
    if (existing) return existing;
    const p = (async () => {
      const group = groups.get(node.group)!;
      const deps = node.deps.map((d) => {
        const dn = byId.get(d);
        return dn ? run(dn) : Promise.resolve();
      });
      const settled = await Promise.allSettled(deps);
      if (settled.some((s) => s.status === 'rejected')) throw new Skip();
      if (opts.signal?.aborted) {
        result.aborted = true;
        throw new Skip();
      }
      const host = hostOfOp(node.op);
      const work = async () => {
        if (opts.signal?.aborted) {
          result.aborted = true;
          throw new Skip();
        }
        if (host !== undefined && gone.has(host)) {
          goneStep(host, group);
          throw new Skip();
        }
        groupStart(group);
        try {
          await runOp(node.op, opts, {
            progress: (text, current, total) => {
              if (!group.visible) return;
              emit({ type: 'progress', id: group.id, resource: group.resource, text, at: now(), ...(current !== undefined && total !== undefined ? { current, total } : {}) });
            },
            output: (text) => {
              if (group.visible) emit({ type: 'message', level: 'info', text, at: now() });
            },
            warn: (text) => emit({ type: 'message', level: 'warning', text, at: now() }),
            doneAs: (text) => {
              group.doneAs = text;
            },
          });
        } catch (err) {
          if (opts.signal?.aborted && (err === opts.signal.reason || isAbortError(err))) {
            // A read-only wait cut short by the abort: cancelled, not failed.
            result.aborted = true;
            throw new Skip();
          }
          const reason = err instanceof EngineUnreachableError ? err.message.replace(/^cannot reach the Docker engine at \S+: /, '') : err instanceof Error ? err.message : String(err);
          if (host !== undefined && isEngineGone(err)) {
            // A connection dropped under one call, by an engine that still answers, is that
            // step's failure: the other steps go on (issue 15: one reset ended whole runs).
            if (!(isDroppedConnection(err) && (await answers(opts.engines[host])))) {
              // The call that found it gone, named: `container p-web-1: create: socket hang up`.
              goneStep(host, group, `${group.resource.kind} ${group.resource.name}: ${node.op.type.split('.')[1] ?? node.op.type}: ${reason}`);
              throw err;
            }
            groupFail(group, `${reason} (the connection dropped; the engine still answers: run the command again)`);
            throw err;
          }
          groupFail(group, err instanceof Error ? err.message : String(err));
          throw err;
        }
        groupDone(group);
      };
      if (isWait(node.op)) await work();
      else {
        await new Promise<void>((resolve, reject) => {
          const task = async () => {
            try {
              await work();
            } catch (err) {
              reject(err);
              return;
            }
            resolve();
            // Keep the slot for one turn of the event loop: the dependents this step frees are
            // queued by then, and compete for it by rank with what was queued before them.
            await new Promise((r) => setImmediate(r));
          };
          void queues[queueOf(node.op)].add(task, { priority: ranks.get(node.id) ?? 1 });
        });
      }
    })();
    p.catch((err: unknown) => {
      const group = groups.get(node.group)!;
      if (err instanceof Skip && !failedGroups.has(group.id) && !result.skipped.includes(group)) result.skipped.push(group);
    });
    promises.set(node.id, p);
    return p;
  };

  await Promise.allSettled(plan.nodes.map(run));
  if (gone.size) {
    result.engineGone = [...gone.values()];
    // What was skipped because a step on a gone engine did not happen is part of that count.
    const counted = new Set(result.engineGone.flatMap((e) => e.steps.map((g) => g.id)));
    result.skipped = result.skipped.filter((g) => !counted.has(g.id));
  }
  // Steps begun but cut short end with a line too, so no display is left hanging: by a cancel,
  // or (a container created, its start waiting for a dependency) by a step they wait for failing.
  for (const [id, at] of started) {
    const g = groups.get(id)!;
    if ((remaining.get(id) ?? 0) > 0 && !failedGroups.has(id) && g.visible) {
      const message = result.aborted ? 'cancelled' : 'not done: a step it waits for failed';
      emit({ type: 'error', id, resource: g.resource, message, at: now(), elapsedMs: now() - at });
    }
  }
  return result;
}

function engineFor(opts: ExecuteOptions, host: string): Engine {
  const e = opts.engines[host];
  if (!e) throw new Error(`no engine for host ${host}`);
  return e;
}

interface Report {
  /** Status of the step (with bytes so far and in all, for a bar). */
  progress: (text: string, current?: number, total?: number) => void;
  /** A line of output for the user (a build's). */
  output: (text: string) => void;
  /** A warning for the user: the step is done, but not all of it (always shown). */
  warn: (text: string) => void;
  /** The word the step's done line shows instead of its verb's (`Left`). */
  doneAs: (text: string) => void;
}

/** 1536 -> `1.5kB` (decimal units, as the docker CLI). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)}${units[i]}`;
}

/**
 * The layers of one pull (or push) summed into one line: layers done of all, bytes so far of
 * all the layers whose size is known.
 */
export class LayerProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  constructor(private readonly verb: 'Downloading' | 'Pushing') {}

  /** Take one message; the line to show, with bytes. */
  feed(m: ProgressMessage): { text: string; current?: number; total?: number } | undefined {
    const status = m.status ?? '';
    const id = m.id;
    // Messages about the image as a whole (`Pulling from x`, `Digest: ...`, `Status: ...`).
    if (id === undefined || !/^[0-9a-f]{12,64}$/.test(id)) {
      if (this.layers.size > 0) return this.line();
      return status !== '' ? { text: status } : undefined;
    }
    const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false };
    this.layers.set(id, layer);
    const detail = m.progressDetail;
    if (/^(Downloading|Pushing)$/.test(status) && detail) {
      if (typeof detail.total === 'number' && detail.total > 0) layer.total = detail.total;
      if (typeof detail.current === 'number') layer.current = Math.min(detail.current, layer.total || detail.current);
    } else if (/^(Download complete|Verifying Checksum|Extracting|Pushed|Layer already exists|Pull complete|Already exists|Mounted from)/.test(status)) {
      if (layer.total > 0) layer.current = layer.total;
      if (/^(Pull complete|Already exists|Pushed|Layer already exists|Mounted from)/.test(status)) layer.done = true;
    }
    return this.line();
  }

  private line(): { text: string; current?: number; total?: number } {
    const all = [...this.layers.values()];
    const done = all.filter((l) => l.done).length;
    const total = all.reduce((n, l) => n + l.total, 0);
    const current = all.reduce((n, l) => n + l.current, 0);
    const layers = `${done}/${all.length} layer${all.length === 1 ? '' : 's'}`;
    if (total === 0) return { text: `${this.verb} ${layers}` };
    return { text: `${this.verb} ${layers} ${formatBytes(current)}/${formatBytes(total)}`, current, total };
  }
}

function reportLayers(verb: 'Downloading' | 'Pushing', report: Report): (m: ProgressMessage) => void {
  const layers = new LayerProgress(verb);
  return (m) => {
    const line = layers.feed(m);
    if (line) report.progress(line.text, line.current, line.total);
  };
}

async function buildImage(engine: Engine, op: Extract<Op, { type: 'image.build' }>, opts: ExecuteOptions, report: Report): Promise<void> {
  const b = op.build;
  // A remote context (git, tarball URL) is fetched by the engine: nothing is packed or sent, and
  // the Dockerfile is named as written, relative to that context.
  const remote = isRemoteContext(b.context);
  const packed = remote ? undefined : await packContext({ context: b.context, ...(b.dockerfile !== undefined ? { dockerfile: b.dockerfile } : {}), ...(b.dockerfileInline !== undefined ? { dockerfileInline: b.dockerfileInline } : {}) });
  const stream = packed?.stream ?? Readable.from([]);
  const registryConfig = opts.buildAuth ? await opts.buildAuth() : undefined;
  const body: BuildOptions = {
    tags: b.tags,
    ...(packed !== undefined ? { dockerfile: packed.dockerfile } : { remote: b.context, ...(b.dockerfile !== undefined ? { dockerfile: b.dockerfile } : {}) }),
    buildargs: b.args,
    ...(b.target !== undefined ? { target: b.target } : {}),
    ...(b.labels !== undefined ? { labels: b.labels } : {}),
    ...(b.network !== undefined ? { networkmode: b.network } : {}),
    ...(b.shmSize !== undefined ? { shmsize: b.shmSize } : {}),
    ...(b.extraHosts !== undefined ? { extrahosts: b.extraHosts } : {}),
    ...(b.cacheFrom !== undefined ? { cachefrom: b.cacheFrom } : {}),
    ...(b.noCache ? { nocache: true } : {}),
    ...(b.pull ? { pull: true } : {}),
    ...(b.platform !== undefined ? { platform: b.platform } : {}),
    ...(registryConfig !== undefined && Object.keys(registryConfig).length > 0 ? { registryConfig } : {}),
    // A build changes nothing of the project until it is done: Ctrl-C stops it.
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const prefix = opts.buildPrefix ? opts.buildPrefix(op.service) : `${op.service} | `;
  const pulls = reportLayers('Downloading', report);
  try {
    await engine.buildImage(stream, body, (p) => {
      if (p.line !== undefined && p.line.trim() !== '') report.output(`${prefix}${p.line}`);
      if (p.pull) pulls(p.pull);
    });
  } catch (err) {
    // The engine's own words on a context it could not fetch, said of the service and the URL.
    if (remote && err instanceof EngineError && !(err instanceof EngineUnreachableError)) {
      const where = err.message.startsWith('build failed: ') ? '' : `build context ${b.context}: `;
      throw new EngineError(`service ${op.service}: ${where}${err.message}`, err.statusCode);
    }
    throw err;
  } finally {
    // A build that failed before it read the whole context: let go of the files.
    stream.destroy();
  }
}

/**
 * A start refused because a published port is taken, with who holds it when the engine can
 * tell: a container of this engine publishing that port (named, with its project), else a
 * process on the engine's host. Any other error is returned unchanged.
 */
export async function portConflict(engine: Engine, err: unknown): Promise<unknown> {
  if (!(err instanceof EngineError)) return err;
  const m = /Bind for (\S+):(\d+) failed: port is already allocated/.exec(err.message) ?? /listen (?:tcp|udp)[46]? (\S+):(\d+): bind: address already in use/.exec(err.message);
  if (m === null) return err;
  const [, ip, port] = m;
  const where = `${ip}:${port}`;
  let holder: string | undefined;
  try {
    const list = await engine.listContainers({ filters: { publish: [port!] } });
    const c = list.find((x) => x.ports.some((p) => String(p.publicPort) === port));
    if (c !== undefined) {
      const name = (c.names[0] ?? c.id).replace(/^\//, '');
      const project = c.labels[LABEL.project];
      holder = `container ${name}${project !== undefined ? ` (project ${project})` : ''} holds ${where}`;
    }
  } catch {
    // The engine's own message stays the answer.
  }
  holder ??= `a process on the engine's host (not a container) holds ${where}`;
  return new EngineError(`${err.message}: ${holder}: stop it, or publish another port`, err.statusCode);
}

async function runOp(op: Op, opts: ExecuteOptions, report: Report): Promise<void> {
  const progress = report.progress;
  const engine = engineFor(opts, op.host);
  // Started calls run to completion: an abort only stops new work (an aborted HTTP request
  // may still have changed the engine's state). Read-only waits do take the signal.
  const call = {};
  switch (op.type) {
    case 'network.create':
      try {
        await engine.createNetwork(op.body, call);
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      return;
    case 'network.remove':
      try {
        await engine.removeNetwork(op.name, call);
      } catch (err) {
        if (isNotFound(err)) return;
        if (!(err instanceof EngineError && /active endpoints/.test(err.message))) throw err;
        // Endpoints of containers that no longer exist (dockerd 20.10 keeps some after many
        // parallel removals, moby#42119) go; a live container still attached is named instead.
        const name = await dropStaleEndpoints(engine, op.name, call);
        if (await removeLeakedNetwork(engine, op.name, opts, call)) return;
        // The engine counts endpoints that neither inspect nor a forced disconnect can reach
        // (its endpoint count leaked); only its start-up recount clears that (libnetwork's
        // cleanupLocalEndpoints: "Fixing inconsistent endpoint_cnt"). Nothing of
        // the project uses the network, and the next up takes it as it is.
        report.doneAs('Left');
        report.warn(`network ${name} was left: the engine counts endpoints it does not list (a dockerd 20.10 leak, moby#42119) and refuses to remove it; nothing uses it and the next up reuses it; a restart of dockerd recounts them, then down removes it`);
      }
      return;
    case 'network.connect':
    case 'network.disconnect':
      try {
        if (op.type === 'network.connect') await engine.connectNetwork(op.network, op.container, op.config, call);
        else await engine.disconnectNetwork(op.network, op.container, true, call);
      } catch (err) {
        // The container went away meanwhile (recreated or removed in the same plan): nothing to do.
        if (!isNotFound(err)) throw err;
      }
      return;
    case 'volume.create':
      await engine.createVolume(op.body, call);
      return;
    case 'volume.remove':
      try {
        await engine.removeVolume(op.name, call);
      } catch (err) {
        // Already gone (e.g. with its container's `rm -v`): the goal is reached.
        if (!isNotFound(err)) throw err;
      }
      return;
    case 'image.pull': {
      const auth = opts.registryAuth ? await opts.registryAuth(op.ref) : undefined;
      // Pulls and pushes change no container: Ctrl-C stops them.
      await engine.pullImage(op.ref, reportLayers('Downloading', report), { ...(auth ? { auth } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      return;
    }
    case 'image.push': {
      const auth = opts.registryAuth ? await opts.registryAuth(op.ref) : undefined;
      await engine.pushImage(op.ref, reportLayers('Pushing', report), { ...(auth ? { auth } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      return;
    }
    case 'image.build':
      return buildImage(engine, op, opts, report);
    case 'image.remove':
      try {
        await engine.removeImage(op.ref, call);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    case 'container.create': {
      let id: string;
      try {
        id = (await engine.createContainer(op.name, op.body, { ...call, ...(op.platform ? { platform: op.platform } : {}) })).id;
      } catch (err) {
        // 409: the name is taken. If another tsfig made the same container, it is ours to keep.
        if (!isConflict(err)) throw err;
        const holder = await nameHolder(engine, op, call);
        if (holder.same) return;
        if (holder.why !== undefined) throw new EngineError(holder.why);
        throw err;
      }
      for (const n of op.extraNetworks) await engine.connectNetwork(n.network, id, n.config, call);
      return;
    }
    case 'container.start':
      try {
        return await engine.startContainer(op.name, call);
      } catch (err) {
        throw await portConflict(engine, err);
      }
    case 'container.stop':
      return engine.stopContainer(op.name, op.timeout, call);
    case 'container.kill':
      return engine.killContainer(op.name, op.signal, call);
    case 'container.restart':
      return engine.restartContainer(op.name, op.timeout, call);
    case 'container.pause':
      return engine.pauseContainer(op.name, call);
    case 'container.unpause':
      return engine.unpauseContainer(op.name, call);
    case 'container.remove':
      try {
        await engine.removeContainer(op.name, { volumes: op.volumes, force: op.force, ...call });
      } catch (err) {
        // Already gone (e.g. removed by a concurrent run): the goal is reached.
        if (!isNotFound(err)) throw err;
      }
      return;
    case 'container.rename':
      return engine.renameContainer(op.name, op.to, call);
    case 'host.script':
      // The overlay's host plumbing: runs to completion once started (no signal), like every call.
      await runHelperChecked(engine, { project: op.project, image: op.image, script: op.script });
      return;
    case 'container.wait':
      return waitFor(engine, op, opts, progress);
  }
}

/**
 * A network that will not go for "active endpoints": disconnect (forced, by name, as `docker
 * network disconnect -f` does) the endpoints whose container is gone; if a live container is
 * still attached, fail naming it (not ours to disconnect). The network's name, for messages.
 */
async function dropStaleEndpoints(engine: Engine, network: string, call: { signal?: AbortSignal }): Promise<string> {
  const info = await engine.inspectNetwork(network, call);
  const live: string[] = [];
  for (const [id, ep] of Object.entries(info.containers)) {
    let exists = !id.startsWith('ep-');
    if (exists) {
      try {
        await engine.inspectContainer(id, call);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        exists = false;
      }
    }
    if (exists) live.push(ep.name || id.slice(0, 12));
    else await engine.disconnectNetwork(network, ep.name || id, true, call).catch(() => undefined);
  }
  if (live.length) {
    throw new EngineError(`network ${info.name} is still used by ${live.length === 1 ? 'container' : 'containers'} ${live.join(', ')}: disconnect or remove ${live.length === 1 ? 'it' : 'them'} first`, 403);
  }
  return info.name;
}

/**
 * Remove a network again after its stale endpoints went, a few times (an endpoint count can lag
 * behind removals still settling in the engine): true once removed (or gone), false if the
 * engine still refuses for "active endpoints" with none listed. Anything else throws.
 */
async function removeLeakedNetwork(engine: Engine, network: string, opts: ExecuteOptions, call: { signal?: AbortSignal }): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.removeNetwork(network, call);
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      if (!(err instanceof EngineError && /active endpoints/.test(err.message))) throw err;
    }
    if (attempt >= 4 || call.signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
    // A container that joined meanwhile is named, as above; stale names are dropped again.
    await dropStaleEndpoints(engine, network, call);
  }
}

/**
 * Who holds a name a create found taken: the same container made by another tsfig (ours to
 * keep), or something else, said in one line. A container tsfig did not make is never changed.
 */
async function nameHolder(engine: Engine, op: Extract<Op, { type: 'container.create' }>, call: { signal?: AbortSignal }): Promise<{ same: boolean; why?: string }> {
  // The engine reserves the name before the other create has finished: until then the name
  // is taken, yet inspect answers 404. Look again for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      const c = await engine.inspectContainer(op.name, call);
      const want = op.body.Labels ?? {};
      const labels = c.config.labels;
      if ([LABEL.project, LABEL.service, LABEL.number, LABEL.configHash].every((k) => want[k] !== undefined && labels[k] === want[k])) return { same: true };
      const id = c.id.slice(0, 12);
      const project = labels[LABEL.project];
      if (project === undefined) {
        return { same: false, why: `the name ${op.name} is held by container ${id}, which tsfig did not make (no ${LABEL.project} label); tsfig leaves it alone: rename or remove it (docker rename ${op.name} NEW-NAME), or use another project name (-p)` };
      }
      if (project !== want[LABEL.project]) return { same: false, why: `the name ${op.name} is held by container ${id} of project ${project}: use another project name (-p), or take that project down` };
      return { same: false };
    } catch (err) {
      if (!isNotFound(err) || attempt >= 20 || call.signal?.aborted) return { same: false };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitFor(engine: Engine, op: Extract<Op, { type: 'container.wait' }>, opts: ExecuteOptions, progress: (t: string) => void): Promise<void> {
  const deadline = (opts.now ?? Date.now)() + op.timeoutMs;
  const poll = opts.pollMs ?? 250;
  const call = opts.signal ? { signal: opts.signal } : {};
  const pending = new Set(op.names);
  while (pending.size) {
    for (const name of [...pending]) {
      const c = await engine.inspectContainer(name, call);
      if (op.condition === 'running') {
        if (c.state.running && !c.state.restarting) pending.delete(name);
        else if (c.state.status === 'exited' || c.state.status === 'dead') throw new Error(`${name} exited with code ${c.state.exitCode}`);
      } else if (op.condition === 'healthy') {
        if (!c.state.health) throw new Error(`${name} has no healthcheck, so nothing can wait for it to be healthy: add a healthcheck to service ${op.service} or use condition service_started`);
        if (c.state.health.status === 'healthy') pending.delete(name);
        else if (c.state.health.status === 'unhealthy') throw new Error(`${name} is unhealthy`);
        else if (!c.state.running) throw new Error(`${name} exited with code ${c.state.exitCode} before it became healthy`);
      } else if (!c.state.running && c.state.status !== 'created') {
        if (c.state.exitCode !== 0) throw new Error(`${name} exited with code ${c.state.exitCode}; service_completed_successfully needs 0`);
        pending.delete(name);
      }
    }
    if (!pending.size) return;
    if ((opts.now ?? Date.now)() > deadline) {
      throw new Error(`timed out after ${Math.round(op.timeoutMs / 1000)}s waiting for ${op.service} to be ${op.condition === 'healthy' ? 'healthy' : 'completed'}`);
    }
    progress(`waiting for ${[...pending].join(', ')} to be ${op.condition}`);
    await new Promise<void>((resolve, reject) => {
      const signal = opts.signal;
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal!.reason as Error);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, poll);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
