/** attach's decisions against the in-memory fake engine: which container, signals proxied or detaching, the exit code. */
import { describe, expect, it } from 'vitest';
import { attachToService, DEFAULT_DETACH_KEYS } from '../../src/app/containers/attach.js';
import { AttachableEngine, fakeContainersContext, fakeTerminal, serviceLabels } from '../support/containers.js';
import { load, projectDir } from '../support/project.js';

const NAME = 'appcatt';

function setup() {
  const r = load(projectDir({ 'fig.yml': `name: ${NAME}\nservices:\n  web:\n    image: busybox\n` }));
  if (!r.project) throw new Error(JSON.stringify(r.diagnostics));
  const fake = new AttachableEngine();
  const web1 = fake.seedContainer({ name: `${NAME}-web-1`, labels: serviceLabels(NAME, 'web', 1) });
  const web2 = fake.seedContainer({ name: `${NAME}-web-2`, labels: serviceLabels(NAME, 'web', 2) });
  return { ctx: fakeContainersContext(r.project, { default: fake }), fake, web1, web2 };
}

const request = (over: Partial<Parameters<typeof attachToService>[1]> = {}) => ({ service: 'web', index: 1, stdin: true, sigProxy: true, detachKeys: DEFAULT_DETACH_KEYS, ...over });

describe('attach', () => {
  it('the chosen replica; the terminal claimed; the exit code of the container passed through', async () => {
    const { ctx, fake, web2 } = setup();
    const term = fakeTerminal(() => fake.exit(`${NAME}-web-2`, 7));
    expect(await attachToService(ctx, request({ index: 2 }), term)).toBe(7);
    expect(fake.attached).toEqual([web2]);
    expect(term.claimed).toBe(1);
  });

  it('--sig-proxy (no TTY): a signal goes to the container; the third one detaches (130)', async () => {
    const { ctx, fake, web1 } = setup();
    const term = fakeTerminal((o) => {
      o.onInterrupt?.(1, 'SIGTERM');
      o.onInterrupt?.(3, 'SIGINT');
    });
    expect(await attachToService(ctx, request(), term)).toBe(130);
    expect(fake.callsOf('killContainer').map((c) => c.args)).toEqual([[web1, 'SIGTERM']]);
    expect(ctx.lines).toEqual([`\ndetaching from ${NAME}-web-1 (it keeps running)`]);
  });

  it('--sig-proxy=false: the first Ctrl-C detaches, nothing is sent to the container', async () => {
    const { ctx, fake } = setup();
    const term = fakeTerminal((o) => o.onInterrupt?.(1, 'SIGINT'));
    expect(await attachToService(ctx, request({ sigProxy: false }), term)).toBe(130);
    expect(fake.callsOf('killContainer')).toEqual([]);
    expect(ctx.lines).toEqual([]);
  });

  it('a stopped container: an error, no attach', async () => {
    const { ctx, fake } = setup();
    fake.exit(`${NAME}-web-1`, 0);
    await expect(attachToService(ctx, request(), fakeTerminal())).rejects.toThrow(/service web is not running/);
    expect(fake.attached).toEqual([]);
  });
});
