/**
 * The `rebuild` action: build the service's image again and recreate only that service's
 * containers, through the reconciler (`build: always` for that service, no dependencies). A
 * failing build changes nothing: the old containers keep running. `--prune` removes the image
 * the service ran before, once nothing uses it.
 */
import { EngineError } from '../errors.js';
import type { Project } from '../model/project.js';
import type { HostEngine } from '../engine/engine.js';
import { describeDone, type WatchConverge } from './port.js';
import { formatDiagnostic } from '../model/diagnostic.js';

export interface RebuildOptions {
  project: Project;
  hosts: HostEngine[];
  service: string;
  /** The application's converge (images, then containers, under the project lock). */
  converge: WatchConverge;
  /** Remove the previous image after a successful rebuild (when nothing uses it). */
  prune?: boolean;
  /** Build output, one line at a time (without the prefix). */
  onOutput?: (line: string) => void;
}

export interface RebuildResult {
  ok: boolean;
  /** What failed: the build's or the engine's message (the plan's errors included). */
  error?: string;
  /** `recreated p-web-1`... */
  summary: string;
  /** The image removed by `prune`. */
  pruned?: string;
  aborted: boolean;
}

/** Rebuild one service's image and recreate its containers. */
export async function rebuildService(o: RebuildOptions): Promise<RebuildResult> {
  const svc = o.project.services[o.service];
  if (!svc) return { ok: false, error: `no such service: ${o.service}`, summary: '', aborted: false };
  if (!svc.build) return { ok: false, error: `service ${o.service} has no build section`, summary: '', aborted: false };
  const r = await o.converge({ project: o.project, hosts: o.hosts, rebuild: o.service, ...(o.onOutput ? { onOutput: o.onOutput } : {}) });
  const summary = describeDone(r.done.filter((g) => g.resource.kind === 'container'));
  if (r.errors.length || r.failed.length || r.aborted) {
    const error = [...r.errors.map((e) => formatDiagnostic(e, o.project.workingDir)), ...r.failed.map((f) => `${f.resource.kind} ${f.resource.name}: ${f.message}`)].join('; ');
    return { ok: false, ...(error ? { error } : {}), summary, aborted: r.aborted };
  }
  const result: RebuildResult = { ok: true, summary, aborted: false };
  if (o.prune && r.image) {
    const { host, before, after } = r.image;
    const engine = o.hosts.find((h) => h.name === host)?.engine;
    if (engine && before && after && before !== after) {
      try {
        await engine.removeImage(before);
        result.pruned = before;
      } catch (err) {
        // Still used (another container, another tag): it stays.
        if (!(err instanceof EngineError)) throw err;
      }
    }
  }
  return result;
}
