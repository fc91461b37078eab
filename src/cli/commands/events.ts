import { Command } from 'commander';
import type { EngineEvent, EventStream } from '../../engine/engine.js';
import { EXIT, ExitCode } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import { openSession } from '../runtime.js';
import type { IO } from '../context.js';
import { parseTimeFlag } from '../flags.js';

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

/** `TIME TYPE ACTION ID (key=value, ...)`, as `docker events` prints. */
export function formatEvent(p: ProjectEvent): string {
  const attrs = Object.entries(p.attributes).map(([k, v]) => `${k}=${v}`);
  return `${p.time} ${p.host !== undefined ? `${p.host} ` : ''}${p.type} ${p.action} ${p.id}${attrs.length ? ` (${attrs.join(', ')})` : ''}\n`;
}

export function eventsCommand(io: IO): Command {
  return new Command('events')
    .description("Stream the engine's events about the containers of the stack, until Ctrl-C")
    .option('--json', 'one JSON object per line: {time, type, action, id, service, attributes}')
    .option('--since <time>', 'events since: RFC 3339, Unix seconds, or a duration back from now (10m, 1h30m); earlier events are replayed')
    .option('--until <time>', 'events until: same forms; the stream ends there')
    .argument('[services...]', 'only these services')
    .action(async function (this: Command, services: string[]) {
      const flags = this.opts<{ json?: boolean; since?: string; until?: string }>();
      const now = Date.now();
      const since = parseTimeFlag('--since', flags.since, now);
      const until = parseTimeFlag('--until', flags.until, now);
      const s = await openSession(this, io);
      // Ctrl-C ends the stream: no "cancelling" message, just stop.
      s.dispose();
      const want = services.length > 0 ? new Set(services) : undefined;
      const multi = s.hosts.length > 1;
      const streams: EventStream[] = [];
      let interrupted = false;
      const pinging = new AbortController();
      const stop = (): void => {
        interrupted = true;
        pinging.abort(new ExitCode(EXIT.interrupted));
        for (const st of streams) st.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        // An engine that is not there, or never answers, is an error now (the event stream
        // itself would wait for ever): a ping is a plain read, bounded by TSFIG_HTTP_TIMEOUT.
        await Promise.all(s.hosts.map((h) => h.engine.ping({ signal: pinging.signal })));
        const filters = { label: [`${LABEL.project}=${s.project.name}`] };
        const window = { ...(since !== undefined ? { since: unixSeconds(since) } : {}), ...(until !== undefined ? { until: unixSeconds(until) } : {}) };
        for (const h of s.hosts) streams.push(await h.engine.events({ filters, ...window }));
        if (interrupted) stop();
        let failed = false;
        await Promise.all(
          streams.map(async (st, i) => {
            const host = multi ? s.hosts[i]?.name : undefined;
            try {
              for await (const e of st) {
                const p = projectEvent(e, host);
                if (want !== undefined && !want.has(p.service)) continue;
                io.stdout(flags.json === true ? JSON.stringify(p) + '\n' : formatEvent(p));
              }
            } catch (err) {
              if (interrupted) return;
              failed = true;
              io.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
              stop();
            }
          }),
        );
        if (failed) throw new ExitCode(EXIT.failure);
        if (interrupted) throw new ExitCode(EXIT.interrupted);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        for (const st of streams) st.close();
      }
    });
}
