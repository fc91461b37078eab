/** `events`: the engines' events about the project's containers, as records, until stopped. */
import type { EngineEvent, EngineFilters, EventStream } from '../../engine/engine.js';
import { EXIT, ExitCode } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import type { ContainersContext } from './context.js';

/** Labels too long to repeat on every line (the whole redacted config). */
const HIDDEN = new Set<string>([LABEL.config]);

export interface ProjectEvent {
  /** ISO 8601, to the microsecond. */
  time: string;
  type: string;
  action: string;
  id: string;
  service: string;
  host?: string;
  attributes: Record<string, string>;
}

/** ISO 8601 to the microsecond (what survives of the engine's nanoseconds in a JS number). */
export function eventTime(e: Pick<EngineEvent, 'time' | 'timeNano'>): string {
  if (e.timeNano > 0) {
    const us = Math.round(e.timeNano / 1000);
    const frac = String(us % 1_000_000).padStart(6, '0');
    return new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
  }
  return new Date(e.time * 1000).toISOString();
}

export function projectEvent(e: EngineEvent, host?: string): ProjectEvent {
  const attributes: Record<string, string> = {};
  for (const k of Object.keys(e.attributes).sort()) if (!HIDDEN.has(k)) attributes[k] = e.attributes[k]!;
  return {
    time: eventTime(e),
    type: e.type,
    action: e.action,
    id: e.id,
    service: e.attributes[LABEL.service] ?? '',
    ...(host !== undefined ? { host } : {}),
    attributes,
  };
}

/** Nanoseconds since the epoch as the engine's `since`/`until` take them: `SECONDS.NANOSECONDS`. */
export function unixSeconds(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  return `${s}.${frac.toString().padStart(9, '0')}`;
}

export interface EventsRequest {
  /** Only these services (default: all). */
  services: string[];
  /** Events since / until (ns since the epoch): earlier ones are replayed; the stream ends at `untilNs`. */
  sinceNs?: bigint;
  untilNs?: bigint;
  /**
   * Which events, when not the containers labelled with the project (a swarm stack): the engine's
   * filters, and the service key of an event to keep (undefined: not the project's).
   */
  scope?: { filters: EngineFilters; select(e: EngineEvent): string | undefined };
}

/**
 * Stream every host's events to `onEvent` until `stop` aborts (the exit code is then 130), the
 * streams end (`untilNs`: 0), or one fails (said on the sink; 1). An engine that is not there
 * is an error at once: the stream itself would wait for ever.
 */
export async function streamEvents(ctx: ContainersContext, req: EventsRequest, onEvent: (e: ProjectEvent) => void, stop: AbortSignal): Promise<number> {
  const want = req.services.length > 0 ? new Set(req.services) : undefined;
  const multi = ctx.hosts.length > 1;
  const streams: EventStream[] = [];
  let interrupted = false;
  const pinging = new AbortController();
  const onStop = (): void => {
    interrupted = true;
    pinging.abort(new ExitCode(EXIT.interrupted));
    for (const st of streams) st.close();
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    // A ping is a plain read, bounded by TSFIG_HTTP_TIMEOUT.
    await Promise.all(ctx.hosts.map((h) => h.engine.ping({ signal: pinging.signal })));
    const filters = req.scope?.filters ?? { label: [`${LABEL.project}=${ctx.project.name}`] };
    const window = { ...(req.sinceNs !== undefined ? { since: unixSeconds(req.sinceNs) } : {}), ...(req.untilNs !== undefined ? { until: unixSeconds(req.untilNs) } : {}) };
    for (const h of ctx.hosts) streams.push(await h.engine.events({ filters, ...window }));
    if (interrupted) onStop();
    let failed = false;
    await Promise.all(
      streams.map(async (st, i) => {
        const host = multi ? ctx.hosts[i]?.name : undefined;
        try {
          for await (const e of st) {
            let p = projectEvent(e, host);
            if (req.scope !== undefined) {
              const service = req.scope.select(e);
              if (service === undefined) continue;
              p = { ...p, service };
            }
            if (want !== undefined && !want.has(p.service)) continue;
            onEvent(p);
          }
        } catch (err) {
          if (interrupted) return;
          failed = true;
          ctx.sink.error(err instanceof Error ? err.message : String(err));
          onStop();
        }
      }),
    );
    if (failed) return EXIT.failure;
    if (interrupted) return EXIT.interrupted;
    return EXIT.ok;
  } finally {
    stop.removeEventListener('abort', onStop);
    for (const st of streams) st.close();
  }
}
