/**
 * Carrying out a swarm plan: networks and objects, then services (an update carries the
 * service's version; a conflict is observed again and retried), then what is no longer used.
 * `down` waits until every task, network, secret and config of the stack is gone, so an `up`
 * right after it finds nothing half-removed.
 */
import { isConflict, isNotFound } from '../../engine/errors.js';
import { TsfigError } from '../../errors.js';
import { specCauses } from './diff.js';
import { describeOp } from './reconcile.js';
import type { SwarmEngine } from './observe.js';
import type { SwarmJson, SwarmOp, SwarmPlan } from './types.js';

export interface ApplyHooks {
  /** One line per step done (`created service p_web`). */
  done: (line: string) => void;
  signal?: AbortSignal;
}

const DONE: Record<SwarmOp['op'], string> = {
  'network.create': 'created',
  'object.create': 'created',
  'service.create': 'created',
  'service.update': 'updated',
  'service.remove': 'removed',
  'object.remove': 'removed',
  'network.remove': 'removed',
  'volume.remove': 'removed',
};

function what(op: SwarmOp): string {
  if (op.op === 'volume.remove') return `volume ${op.name}`;
  return op.op.startsWith('network') ? `network ${op.name}` : op.op.startsWith('service') ? `service ${op.name}` : `${(op as { kind: string }).kind} ${op.name}`;
}

export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal?.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** "update out of sequence": another writer moved the version on. */
function isOutOfSequence(err: unknown): boolean {
  return isConflict(err) || /out of sequence/i.test(err instanceof Error ? err.message : String(err));
}

/** Secret and config references by name -> with the IDs the engine wants. */
function withObjectIds(spec: SwarmJson, ids: Map<string, string>): SwarmJson {
  const out = structuredClone(spec);
  const cs = (out.TaskTemplate as SwarmJson).ContainerSpec as SwarmJson;
  for (const s of (cs.Secrets as SwarmJson[] | undefined) ?? []) s.SecretID = ids.get(`secret:${String(s.SecretName)}`) ?? '';
  for (const c of (cs.Configs as SwarmJson[] | undefined) ?? []) c.ConfigID = ids.get(`config:${String(c.ConfigName)}`) ?? '';
  return out;
}

async function objectIds(engine: SwarmEngine, signal?: AbortSignal): Promise<Map<string, string>> {
  const opts = signal ? { signal } : {};
  const [secrets, configs] = await Promise.all([engine.listSecrets({}, opts), engine.listConfigs({}, opts)]);
  return new Map([...secrets.map((s) => [`secret:${String(s.spec.Name)}`, s.id] as const), ...configs.map((c) => [`config:${String(c.spec.Name)}`, c.id] as const)]);
}

/** An update with the version it was planned on; on a conflict, read the service again and retry (still only when it differs). */
async function update(engine: SwarmEngine, op: Extract<SwarmOp, { op: 'service.update' }>, spec: SwarmJson, signal?: AbortSignal): Promise<void> {
  const opts = signal ? { signal } : {};
  let version = op.version;
  for (let attempt = 1; ; attempt++) {
    try {
      await engine.updateService(op.id, version, spec, opts);
      return;
    } catch (err) {
      if (!isOutOfSequence(err) || attempt >= 5) throw err;
      const fresh = await engine.inspectService(op.id, opts);
      version = fresh.version;
      const tt = spec.TaskTemplate as SwarmJson;
      const force = Number((fresh.spec.TaskTemplate as SwarmJson | undefined)?.ForceUpdate ?? 0);
      tt.ForceUpdate = op.causes.includes('restart') ? force + 1 : force;
      if (!op.causes.includes('restart') && specCauses(spec, fresh.spec).length === 0) return;
    }
  }
}

async function run(engine: SwarmEngine, op: SwarmOp, ids: Map<string, string>, signal?: AbortSignal): Promise<void> {
  const opts = signal ? { signal } : {};
  const gone = async (f: () => Promise<void>) => {
    try {
      await f();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };
  switch (op.op) {
    case 'network.create': await engine.createStackNetwork(op.body, opts); return;
    case 'object.create': {
      const id = op.kind === 'secret' ? await engine.createSecret(op.spec, opts) : await engine.createConfig(op.spec, opts);
      ids.set(`${op.kind}:${op.name}`, id);
      return;
    }
    case 'service.create': await engine.createService(withObjectIds(op.spec, ids), opts); return;
    case 'service.update': await update(engine, op, withObjectIds(op.spec, ids), signal); return;
    case 'service.remove': await gone(() => engine.removeService(op.id, opts)); return;
    case 'object.remove': await gone(() => (op.kind === 'secret' ? engine.removeSecret(op.id, opts) : engine.removeConfig(op.id, opts))); return;
    case 'network.remove': await gone(() => engine.removeStackNetwork(op.id, opts)); return;
    case 'volume.remove': await gone(() => engine.removeVolume(op.name, opts)); return;
  }
}

/** Runs the plan's steps in order; the first failure stops it (one line naming the step). */
export async function applySwarmPlan(engine: SwarmEngine, plan: SwarmPlan, hooks: ApplyHooks): Promise<void> {
  const ids = plan.ops.some((o) => o.op === 'service.create' || o.op === 'service.update') ? await objectIds(engine, hooks.signal) : new Map<string, string>();
  for (const op of plan.ops) {
    try {
      await run(engine, op, ids, hooks.signal);
    } catch (err) {
      throw new TsfigError(`${describeOp(op)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    hooks.done(`${DONE[op.op]} ${what(op)}`);
  }
}

/**
 * down: remove the services, wait until their tasks are gone, remove the networks (retried while
 * the swarm still holds them), then secrets and configs, and with -v the volumes on the manager
 * (retried while a task container that is going away still holds one); returns when the manager
 * lists none. Everything is bounded by `timeoutMs`.
 */
export async function downStack(engine: SwarmEngine, plan: SwarmPlan, hooks: ApplyHooks & { timeoutMs: number }): Promise<void> {
  const signal = hooks.signal;
  const opts = signal ? { signal } : {};
  const deadline = Date.now() + hooks.timeoutMs;
  const services = plan.ops.filter((o): o is Extract<SwarmOp, { op: 'service.remove' }> => o.op === 'service.remove');
  for (const op of services) {
    await run(engine, op, new Map(), signal);
    hooks.done(`removed service ${op.name}`);
  }
  const ids = new Set(services.map((s) => s.id));
  while (ids.size) {
    const tasks = await engine.listTasks({}, opts);
    const left = tasks.filter((t) => ids.has(String(t.ServiceID)));
    if (!left.length) break;
    if (Date.now() > deadline) throw new TsfigError(`down: ${left.length} tasks of the removed services are still on the swarm after ${Math.round(hooks.timeoutMs / 1000)}s`);
    await pause(300, signal);
  }
  for (const op of plan.ops.filter((o) => o.op !== 'service.remove')) {
    for (;;) {
      try {
        await run(engine, op, new Map(), signal);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new TsfigError(`${describeOp(op)}: ${err instanceof Error ? err.message : String(err)}`);
        await pause(300, signal);
      }
    }
    hooks.done(`${DONE[op.op]} ${what(op)}`);
  }
}
