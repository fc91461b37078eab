/**
 * The "engine" backend: plain containers on one or several Docker engines, the VXLAN overlay
 * included. Observe, plan and execute are reconcile/'s; the overlay's checks are overlay/'s.
 */
import { Credentials } from '../../engine/credentials.js';
import type { Engine } from '../../engine/engine.js';
import { EngineError, TsfigError } from '../../errors.js';
import { waitAll, waitTargets } from '../../reconcile/wait.js';
import type { Service } from '../../model/project.js';
import { execute, imageLimits } from '../../reconcile/execute.js';
import { planDown, planKill, planPause, planRestart, planRm, planStart, planStop, planUnpause, planWait } from '../../reconcile/lifecycle.js';
import { observe } from '../../reconcile/observe.js';
import { isNoop, renderPlan, VERBS, type Plan } from '../../reconcile/plan.js';
import { hostOf, imageRef, normalizeRef, planImages, reconcile } from '../../reconcile/reconcile.js';
import type { ApplyOptions, ApplyResult, Backend, BackendContext, LifecycleRequest, LifecycleVerb, ObserveFor } from '../backend.js';
import { checkOverlay, doctor } from './overlay.js';

/** `web   | ` for build output: service names padded to the longest one being built. */
function alignedPrefix(plan: Plan): (service: string) => string {
  const width = Math.max(0, ...plan.nodes.map((n) => (n.op.type === 'image.build' ? n.op.service.length : 0)));
  return (service) => `${service.padEnd(width)} | `;
}

export function engineBackend(ctx: BackendContext): Backend {
  const engines = (): Record<string, Engine> => Object.fromEntries(ctx.hosts.map((h) => [h.name, h.engine]));
  const backend: Backend = {
    name: 'engine',
    observe: (purpose: ObserveFor = 'status', signal = ctx.signal) =>
      observe(ctx.project, ctx.hosts, { signal, ...(purpose === 'up' ? { forUp: true } : {}), ...(purpose === 'down' ? { overlay: true } : {}), ...(purpose === 'containers' ? { containersOnly: true } : {}) }),
    planImages: (observed, options) => planImages(ctx.project, observed, options),
    planConverge: (observed, options) => reconcile(ctx.project, observed, options),
    planDown: (observed, options) => planDown(ctx.project, observed, options),
    planLifecycle: (verb: LifecycleVerb, observed, r: LifecycleRequest) => {
      const base = { ...(r.services ? { services: r.services } : {}), ...(r.timeout !== undefined ? { timeout: r.timeout } : {}) };
      switch (verb) {
        case 'start':
          return planStart(ctx.project, observed, base);
        case 'stop':
          return planStop(ctx.project, observed, base);
        case 'restart':
          return planRestart(ctx.project, observed, { ...base, noDeps: r.noDeps === true });
        case 'kill':
          return planKill(ctx.project, observed, { ...base, removeOrphans: r.removeOrphans === true, ignoreOrphans: r.ignoreOrphans === true, ...(r.signal ? { signal: r.signal } : {}) });
        case 'pause':
          return planPause(ctx.project, observed, base);
        case 'unpause':
          return planUnpause(ctx.project, observed, base);
        case 'rm':
          return planRm(ctx.project, observed, { ...base, stop: r.stop === true, volumes: r.volumes === true });
      }
    },
    planWait: (observed, services, timeoutMs) => planWait(ctx.project, observed, services, timeoutMs),
    waitTargets,
    waitStopped: (targets, onStop, onError, signal) =>
      waitAll(
        targets,
        async (c, sig) => {
          const engine = engines()[c.host];
          if (!engine) throw new TsfigError(`container ${c.name}: no engine for host ${c.host}`);
          try {
            const r = await engine.waitContainer(c.id, { condition: 'not-running', signal: sig });
            if (r.error !== undefined) onError(c, r.error);
            return r.statusCode;
          } catch (err) {
            if (err instanceof EngineError) throw new TsfigError(`container ${c.name}: ${err.message}`);
            throw err;
          }
        },
        onStop,
        signal,
      ),
    isNoop,
    renderPlan,
    apply: async (plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> => {
      const creds = new Credentials({ env: ctx.env, ...(ctx.env.HOME ? { homeDir: ctx.env.HOME } : {}) });
      const prefix = opts.buildPrefix ?? (opts.alignBuildOutput ? alignedPrefix(plan) : undefined);
      const r = await execute(plan, {
        engines: engines(),
        concurrency: ctx.parallel,
        signal: opts.signal ?? ctx.signal,
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
        ...imageLimits(ctx.env),
        registryAuth: (ref) => creds.forImage(ref),
        buildAuth: () => creds.all(),
        ...(prefix ? { buildPrefix: prefix } : {}),
      });
      const failedIds = new Set(r.failed.map((f) => f.group.id));
      const skippedIds = new Set(r.skipped.map((g) => g.id));
      const done = plan.groups
        .filter((g) => g.visible && !failedIds.has(g.id) && !skippedIds.has(g.id) && g.verb !== 'wait')
        .map((g) => ({ resource: g.resource, did: (g.doneAs ?? VERBS[g.verb].ed).toLowerCase() }));
      const gone = r.engineGone?.map((e) => ({ host: e.host, message: e.message, notDone: e.steps.filter((g) => g.visible).length + r.skipped.filter((g) => g.visible).length }));
      return { done, failed: r.failed.map((f) => ({ resource: f.group.resource, message: f.message })), aborted: r.aborted, ...(gone ? { engineGone: gone } : {}) };
    },
    afterConverge: (plan, observed, options) => checkOverlay(ctx, plan, observed, options),
    doctor: (report) => doctor(ctx, report),
    serviceImage: (svc: Service) => ({ host: hostOf(svc), ref: normalizeRef(imageRef(ctx.project, svc)) }),
    hostOf,
  };
  return backend;
}
