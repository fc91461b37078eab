/**
 * Issue 14: `config --resolve-image-digests` against a real engine and a real registry (the
 * open one on 127.0.0.1:5000 that `scripts/engine.sh registry` runs; started here only when it
 * does not answer): each image pinned to the digest the registry holds, and one line when no
 * registry answers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { engineFromEnv, requireEngine, uniqueProject } from './support/harness.js';
import { ROOT, run } from './support/stack.js';

const REGISTRY = '127.0.0.1:5000';
const project = uniqueProject('config-digests');
const REF = `${REGISTRY}/tsfig-e2e/${project}/bb:1`;
let engine: Engine;
const dirs: string[] = [];

async function registryAnswers(): Promise<boolean> {
  try {
    return (await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

function startRegistry(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['scripts/engine.sh', 'registry'], { cwd: ROOT, timeout: 300_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
  });
}

function projectWith(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsfig-config-digests-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'fig.yml'), text);
  return dir;
}

beforeAll(async () => {
  engine = engineFromEnv();
  await requireEngine(engine);
  if (!(await registryAnswers())) await startRegistry();
  await engine.tagImage('busybox:latest', REF);
  await engine.pushImage(REF);
}, 300_000);

afterAll(async () => {
  await engine.removeImage(REF, { force: true }).catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('config --resolve-image-digests', () => {
  it('pins each image to the digest its registry holds; a reference with a digest stays', async () => {
    const head = await fetch(`http://${REGISTRY}/v2/tsfig-e2e/${project}/bb/manifests/1`, {
      method: 'HEAD',
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json' },
    });
    const digest = head.headers.get('docker-content-digest');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const pinned = `${REGISTRY}/tsfig-e2e/${project}/bb@sha256:${'1'.repeat(64)}`;
    const dir = projectWith(`services:\n  web:\n    image: ${REF}\n  other:\n    image: ${pinned}\n`);
    const r = await run(dir, project, ['config', '--resolve-image-digests', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.services.web.image).toBe(`${REF}@${digest}`);
    expect(out.services.other.image).toBe(pinned);
    // Without the flag the tag stays as written.
    expect(JSON.parse((await run(dir, project, ['config', '--format', 'json'])).stdout).services.web.image).toBe(REF);
  });

  it('with --no-interpolate too: the files as written, images pinned', async () => {
    const dir = projectWith(`services:\n  web:\n    image: ${REF}\n    command: echo \${X:-x}\n`);
    const r = await run(dir, project, ['config', '--resolve-image-digests', '--no-interpolate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`image: ${REF.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}\\n`));
    expect(r.stdout).toContain('command: echo ${X:-x}');
  });

  it('when no registry answers: one line naming the image, exit 1, nothing on stdout', async () => {
    const dir = projectWith('services:\n  web:\n    image: 127.0.0.1:1/tsfig-e2e/none:1\n');
    const r = await run(dir, project, ['config', '--resolve-image-digests']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot resolve the digest of 127\.0\.0\.1:1\/tsfig-e2e\/none:1: .*connection refused/);
  });
});
