/** An application context over the in-memory fake engine, for the use cases' unit tests (no Docker). */
import type { AppContext, EventSink } from '../../src/app/context.js';
import type { Project } from '../../src/model/project.js';
import type { ProgressEvent } from '../../src/ui/events.js';
import { FakeEngine } from './fake-engine.js';
import { load, projectDir } from './project.js';

export interface TestContext {
  ctx: AppContext;
  fake: FakeEngine;
  /** Lines the use case said on stderr, results on stdout, progress events. */
  lines: string[];
  results: string[];
  events: ProgressEvent[];
}

/** A project from fig.yml text (and other files), loaded as the CLI loads it. */
export function projectOf(yml: string, name = 'p', files: Record<string, string> = {}): Project {
  const r = load(projectDir({ 'fig.yml': yml, ...files }), { projectName: name });
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  return r.project;
}

/** A context on one default host served by `fake` (a fresh one unless given). */
export function testContext(project: Project, opts: { fake?: FakeEngine; dryRun?: boolean; lockDir?: string; signal?: AbortSignal } = {}): TestContext {
  const fake = opts.fake ?? new FakeEngine();
  const lines: string[] = [];
  const results: string[] = [];
  const events: ProgressEvent[] = [];
  const sink: EventSink = {
    progress: () => ({ emit: (e) => void events.push(e), close() {}, showsFailures: true }),
    line: (t) => void lines.push(t),
    result: (t) => void results.push(t),
  };
  const ctx: AppContext = {
    project,
    hosts: [{ name: 'default', endpoint: fake.endpoint.url, engine: fake }],
    signal: opts.signal ?? new AbortController().signal,
    sink,
    options: { parallel: 4, dryRun: opts.dryRun === true, env: {}, version: '0.0.0-test', ...(opts.lockDir ? { lockDir: opts.lockDir } : {}) },
  };
  return { ctx, fake, lines, results, events };
}
