/**
 * Graphviz's `dot`, for `tsfig graph --format svg`: DOT text in, SVG out. Run with execFile
 * (an argv, no shell); the one process src/cli starts, allowed by an eslint exception.
 */
import { execFile } from 'node:child_process';
import { TsfigError } from '../errors.js';

export function renderSvg(dot: string, env: Record<string, string | undefined>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('dot', ['-Tsvg'], { env: env as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new TsfigError("SVG needs Graphviz's dot, which is not installed here: install graphviz (apt-get install graphviz), or print DOT with --format dot and render it elsewhere"));
      }
      reject(new TsfigError(`dot -Tsvg failed: ${stderr.trim().split('\n')[0] ?? err.message}`));
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(dot);
  });
}
