/**
 * The example stacks' e2e helpers: `bash scripts/images.sh` (the Debian base image they run,
 * built once per machine, copied into other engines such as the rigs' nodes) and a copy of an
 * example folder (with the folders it takes files from) under a unique project name.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueProject } from './harness.js';
import { ROOT } from './stack.js';

export const BASE_IMAGE = 'tsfig.local/examples-base:bookworm';

/** `bash scripts/images.sh [ENGINE...]`: the example base image, built or copied when missing; its progress lines. */
export function images(...engines: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile('bash', [join(ROOT, 'scripts', 'images.sh'), ...engines], { cwd: ROOT, encoding: 'utf8', timeout: 1_500_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`bash scripts/images.sh failed: ${err.message}\n${stderr}`));
      else resolve(stderr);
    });
  });
}

/** A copy of examples/<name> (and of the sibling examples it uses) in a fresh temp folder, and a unique project name for it. */
export function copyExample(name: string, siblings: string[] = []): { project: string; dir: string } {
  const project = uniqueProject(`ex-${name}`);
  const root = mkdtempSync(join(tmpdir(), 'tsfig-examples-'));
  const dir = join(root, name);
  for (const n of [name, ...siblings]) cpSync(join(ROOT, 'examples', n), join(root, n), { recursive: true });
  return { project, dir };
}
