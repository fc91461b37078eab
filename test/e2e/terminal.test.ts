/**
 * The live display as the user sees it: the built binary on a pseudo-terminal (`script`), its
 * bytes replayed through a terminal emulator (test/e2e/support/terminal.ts), assertions on the
 * final screen. Ctrl-C is typed on the terminal (the line discipline signals the foreground
 * process group). Real engine, busybox, unique project names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { projectDir } from '../support/project.js';
import { bin } from './support/binary.js';
import { cleanupProject, engineFromEnv, eventually, requireEngine, SESSION_ID, SESSION_LABEL, uniqueProject } from './support/harness.js';
import { frameRows, inTerminalOf as spawnInTerminal, lastFrameStart, type TerminalChild } from './support/terminal.js';

/** Prints `<word> 1`, `<word> 2`, ... every 0.2 s; exits 0 on SIGTERM (or ignores it: `trap ''`). */
function counter(word: string, onTerm = 'exit 0'): string {
  return `["sh", "-c", "trap '${onTerm}' TERM; i=0; while true; do i=$$((i+1)); echo ${word} $$i; sleep 0.2; done"]`;
}

const LONG = 'service-with-a-longer-name-01';

let engine: Engine;
const made: string[] = [];
const children: TerminalChild[] = [];

/** The binary on a pseudo-terminal; ended (the terminal closed) after the tests if still running. */
function inTerminalOf(...args: Parameters<typeof spawnInTerminal>): TerminalChild {
  const t = spawnInTerminal(...args);
  children.push(t);
  return t;
}

function scenario(prefix: string, yml: string): { project: string; dir: string } {
  const project = uniqueProject(prefix);
  made.push(project);
  return { project, dir: projectDir({ 'fig.yml': yml }, 'proj') };
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
});

afterAll(async () => {
  for (const t of children) if (t.proc.exitCode === null && t.proc.signalCode === null) t.proc.kill('SIGKILL');
  await Promise.all(children.map((t) => t.done));
  for (const p of made) {
    await cleanupProject(engine, p);
    // Images a scenario built carry the session label and the project.
    const images = await engine.listImages({ all: true, labels: { [SESSION_LABEL]: SESSION_ID, 'io.tsfig.test-project': p } });
    for (const i of images) await engine.removeImage(i.id, { force: true }).catch(() => undefined);
  }
});

const HEADER = /^\[\+\] Running \d+\/\d+$/;
/** A frame row with a final status: ✔ done, or ✘ failed. */
const FINAL_ROW = /^ [✔✘] /;

/** Every line of the screen that is a frame header. */
function headers(lines: string[]): string[] {
  return lines.filter((l) => HEADER.test(l));
}

/** The numbers a counter printed, in screen order (`<prefix> | tick 3` -> 3). */
function counted(lines: string[], word: string): number[] {
  return lines.flatMap((l) => {
    const m = new RegExp(`\\| ${word} (\\d+)$`).exec(l);
    return m ? [Number(m[1])] : [];
  });
}

async function ctrlCWhenScreenShows(t: TerminalChild, what: RegExp): Promise<void> {
  await eventually(async () => expect((await t.screen()).some((l) => what.test(l))).toBe(true), { timeout: 60_000, message: `screen never showed ${what}` });
  t.ctrlC();
}

describe('attached up on a 60-column terminal', () => {
  it('Ctrl-C: one message, log lines and exits above the frames, each frame once and final, names shortened not statuses', async () => {
    const { project, dir } = scenario('term-ctrlc', `services:\n  app:\n    image: busybox\n    command: ${counter('tick')}\n  ${LONG}:\n    image: busybox\n    command: ${counter('tock')}\n`);
    const t = inTerminalOf(dir, project, ['up'], { size: { cols: 60, rows: 30 } });
    await eventually(async () => {
      const lines = await t.screen();
      expect(counted(lines, 'tick').length).toBeGreaterThanOrEqual(3);
      expect(counted(lines, 'tock').length).toBeGreaterThanOrEqual(3);
    }, { timeout: 60_000 });
    t.ctrlC();
    const done = await t.done;
    expect(done.code).toBe(130);
    const lines = await t.screen();

    // One message for the one Ctrl-C.
    expect(lines.filter((l) => l.includes('Gracefully stopping')).length).toBe(1);
    expect(lines.filter((l) => l.includes('cancelling:')).length).toBe(0);
    // `Attaching to ...` as docker compose prints it: sorted, without the project prefix.
    expect(lines).toContain(`Attaching to app-1, ${LONG}-1`);

    // Two frames (up's, then the stop's), each drawn once: no header left behind by a redraw.
    const hs = headers(lines);
    expect(hs).toEqual(['[+] Running 3/3', '[+] Running 2/2']);
    expect(new Set(lines.filter((l) => l.startsWith('[+]'))).size).toBe(lines.filter((l) => l.startsWith('[+]')).length);

    // Every frame row ends with a final status, the stop's rows are Stopped, each fits 60 columns
    // (a wrapped row would be joined into a longer line) and keeps its status and time.
    const stopFrame = lastFrameStart(lines);
    const upFrame = lines.indexOf('[+] Running 3/3');
    for (const [start, status, n] of [[upFrame, /(Created|Started)/, 3], [stopFrame, /Stopped/, 2]] as const) {
      const rows = frameRows(lines, start);
      expect(rows).toHaveLength(n);
      for (const r of rows) {
        expect(r).toMatch(FINAL_ROW);
        expect(r.length).toBeLessThanOrEqual(60);
        expect(r).toMatch(/ {2}\d+\.\ds$/);
      }
      expect(rows.filter((r) => r.includes('Container')).every((r) => status.test(r))).toBe(true);
    }
    const longRow = frameRows(lines, stopFrame).find((r) => r.includes('…'));
    expect(longRow).toMatch(new RegExp(`^ ✔ Container ${project.slice(0, 6)}.*….*-01-1 +Stopped +\\d+\\.\\ds$`));

    // Container output: every line once, in order, all above the stop's final frame; each exit once.
    for (const word of ['tick', 'tock']) {
      const seen = counted(lines, word);
      expect(seen).toEqual(seen.map((_, i) => i + 1));
      const last = lines.findLastIndex((l) => l.endsWith(`| ${word} ${seen.length}`));
      expect(last).toBeLessThan(stopFrame);
    }
    for (const name of [`${project}-app-1`, `${project}-${LONG}-1`]) {
      expect(lines.filter((l) => l === `${name} exited with code 0`)).toHaveLength(1);
      const c = await engine.inspectContainer(name);
      expect(c.state.running).toBe(false);
      expect(c.state.exitCode).toBe(0);
    }
    // Nothing of a frame is left between the log lines: the only frame rows are the two frames'.
    const rowLines = lines.filter((l) => /^ (✔|✘|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) /.test(l));
    expect(rowLines).toHaveLength(5);
  });

  it('a second Ctrl-C kills: one message each, and the stop frame ends with a final row', async () => {
    // The container ignores SIGTERM: the graceful stop would wait its whole timeout.
    const { project, dir } = scenario('term-kill', `services:\n  app:\n    image: busybox\n    stop_grace_period: 60s\n    command: ${counter('tick', '')}\n`);
    const t = inTerminalOf(dir, project, ['up'], { size: { cols: 80, rows: 30 } });
    await eventually(async () => expect(counted(await t.screen(), 'tick').length).toBeGreaterThanOrEqual(2), { timeout: 60_000 });
    t.ctrlC();
    await ctrlCWhenScreenShows(t, /Container .*-app-1 +Stopping/);
    const done = await t.done;
    expect(done.code).toBe(130);
    const lines = await t.screen();
    expect(lines.filter((l) => l.includes('Gracefully stopping')).length).toBe(1);
    expect(lines.filter((l) => l.includes('Killing the containers')).length).toBe(1);
    expect(headers(lines)).toEqual(['[+] Running 2/2', '[+] Running 1/1']);
    const rows = frameRows(lines, lastFrameStart(lines));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^ ✔ Container ${project}-app-1  Stopped  \\d+\\.\\ds$`));
    // The exit line once: above the final frame when the logs saw the death while the frame was
    // live, below it when the stop's frame ended first (both seen in CI). Below the final frame
    // only what the logs still delivered after the kill: no frame leftovers.
    const exited = `${project}-app-1 exited with code 137`;
    expect(lines.filter((l) => l === exited)).toHaveLength(1);
    const after = lines.slice(lastFrameStart(lines) + 2);
    expect(after.filter((l) => l !== exited && !/\| tick \d+$/.test(l))).toEqual([]);
    const ticks = counted(lines, 'tick');
    expect(ticks).toEqual(ticks.map((_, i) => i + 1));
    const c = await engine.inspectContainer(`${project}-app-1`);
    expect(c.state.running).toBe(false);
    expect(c.state.exitCode).toBe(137);
  });
});

describe('up -d', () => {
  it('Ctrl-C while waiting on a health check: the cancel line stays above the final frame; the wait row names the container', async () => {
    const { project, dir } = scenario(
      'term-wait',
      `services:
  db:
    image: busybox
    command: ${counter('tick')}
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1000
  web:
    image: busybox
    depends_on:
      db:
        condition: service_healthy
    command: ${counter('tock')}
`,
    );
    const t = inTerminalOf(dir, project, ['up', '-d'], { size: { cols: 80, rows: 30 } });
    await ctrlCWhenScreenShows(t, new RegExp(`Container ${project}-db-1 +Waiting`));
    const done = await t.done;
    expect(done.code).toBe(130);
    const lines = await t.screen();
    const cancel = lines.filter((l) => l.includes('cancelling: finishing the steps in flight'));
    expect(cancel).toHaveLength(1);
    const start = lastFrameStart(lines);
    expect(lines.indexOf(cancel[0]!)).toBeLessThan(start);
    expect(headers(lines)).toHaveLength(1);
    const rows = frameRows(lines, start);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const r of rows) expect(r).toMatch(FINAL_ROW);
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^ ✘ Container ${project}-db-1 +Error: cancelled$`)));
    // Nothing after the frame.
    expect(lines.length).toBe(start + 1 + rows.length);
  });
});

describe('Ctrl-C twice during a step in flight', () => {
  it('the second exits at once, and the frame ends with every row final (what was cut short marked interrupted)', async () => {
    // A container that ignores SIGTERM: its stop takes the whole grace period, and the row shows from the stop call's start.
    const { project, dir } = scenario('term-twice', `services:\n  app:\n    image: busybox\n    stop_grace_period: 60s\n    command: ${counter('tick', '')}\n`);
    const first = inTerminalOf(dir, project, ['up', '-d'], { size: { cols: 80, rows: 30 } });
    expect((await first.done).code).toBe(0);
    const t = inTerminalOf(dir, project, ['stop'], { size: { cols: 80, rows: 30 } });
    await ctrlCWhenScreenShows(t, /^ [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Container .*-app-1 +Stopping/);
    await ctrlCWhenScreenShows(t, /cancelling: finishing the steps in flight/);
    expect((await t.done).code).toBe(130);
    const lines = await t.screen();
    expect(lines.filter((l) => l.includes('cancelling:'))).toHaveLength(1);
    const start = lastFrameStart(lines);
    expect(lines.findIndex((l) => l.includes('cancelling:'))).toBeLessThan(start);
    expect(headers(lines)).toHaveLength(1);
    const rows = frameRows(lines, start);
    expect(rows).toEqual([expect.stringMatching(new RegExp(`^ ✘ Container ${project}-app-1 +Error: interrupted$`))]);
    expect(lines.length).toBe(start + 2);
    // It left the engine's stop going: the container is still there, stopping or stopped.
    expect((await engine.inspectContainer(`${project}-app-1`)).name).toBe(`${project}-app-1`);
  });
});

describe('a failed step is reported once', () => {
  const FAILING = `services:\n  bad:\n    image: busybox\n    command: ["/no/such/program"]\n`;

  it('on a terminal: in the frame, with the whole message, and nowhere else', async () => {
    const { project, dir } = scenario('term-fail', FAILING);
    const t = inTerminalOf(dir, project, ['up', '-d'], { size: { cols: 60, rows: 30 } });
    const done = await t.done;
    expect(done.code).toBe(1);
    const lines = await t.screen();
    const rows = frameRows(lines, lastFrameStart(lines));
    const failed = rows.filter((r) => r.startsWith(' ✘ '));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(new RegExp(`^ ✘ Container ${project}-bad-1 +Error: .*/no/such/program`));
    expect(lines.filter((l) => l.includes('/no/such/program'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('error:'))).toEqual([]);
  });

  it.each([
    ['plain', (l: string) => l.includes('Error:')],
    ['json', (l: string) => l.includes('"type":"error"')],
    ['quiet', (l: string) => l.startsWith('error: container')],
  ] as const)('--progress %s: once, exit 1', async (mode, isReport) => {
    const { project, dir } = scenario(`fail-${mode}`, FAILING);
    const r = await bin(dir, project, ['--progress', mode, 'up', '-d']).done;
    expect(r.code).toBe(1);
    const mentions = r.stderr.split('\n').filter((l) => l.includes('/no/such/program'));
    expect(mentions).toHaveLength(1);
    expect(isReport(mentions[0]!)).toBe(true);
  });
});

describe('watch on a terminal', () => {
  it('the image built first keeps its own row: the network row says Network, not Image', async () => {
    const project = uniqueProject('term-watch');
    made.push(project);
    const dir = projectDir(
      {
        'fig.yml': `services:
  web:
    build:
      context: .
      labels:
        ${SESSION_LABEL}: "${SESSION_ID}"
        io.tsfig.test-project: "${project}"
    command: ${counter('tick')}
    develop:
      watch:
        - path: ./app
          action: sync
          target: /srv/app
`,
        Dockerfile: 'FROM busybox\n',
        'app/index.txt': 'one\n',
      },
      'proj',
    );
    const t = inTerminalOf(dir, project, ['watch'], { size: { cols: 100, rows: 30 } });
    await ctrlCWhenScreenShows(t, /watching 1 rule/);
    expect((await t.done).code).toBe(130);
    const lines = await t.screen();
    const rows = lines.flatMap((l, i) => (HEADER.test(l) ? frameRows(lines, i) : []));
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^ ✔ Image ${project}-web(:latest)? +Built +\\d+\\.\\ds$`)));
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^ ✔ Network ${project}_default +Created +\\d+\\.\\ds$`)));
    expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^ ✔ Container ${project}-web-1 +Started +\\d+\\.\\ds$`)));
    expect(rows.filter((r) => r.includes(' Image ') && !/ Built /.test(r))).toEqual([]);
  });
});
