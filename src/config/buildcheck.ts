/**
 * A local build context must exist and be a directory, and a `dockerfile:` named in it must be
 * a regular file: checked when the project is loaded for a command that may build (`config`,
 * `plan`, `up`, `create`, `build`, `run`), so the error has the key's position and comes
 * before anything is made. A remote context (git or tarball URL) is the engine's to fetch and
 * is not checked, nor is `dockerfile_inline`.
 */
import { isAbsolute, join } from 'node:path';
import type { Project } from '../model/project.js';
import { isRemoteContext } from '../model/service.js';
import { diag, type Diagnostic } from './diagnostics.js';
import { checkRegularFile, statPath } from './readfile.js';
import { isTree, keyLoc, valueLoc, type Tree } from './tree.js';

function describe(err: unknown): { missing: boolean; reason: string } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true, reason: 'not found' };
  if (code === 'ELOOP') return { missing: false, reason: 'is a symlink loop' };
  if (code === 'EACCES' || code === 'EPERM') return { missing: false, reason: 'cannot be read: permission denied' };
  return { missing: false, reason: `cannot be read${code ? ` (${code})` : ''}` };
}

/** The services of `project` (the enabled ones) checked against the merged tree's positions. */
export function checkBuildContexts(tree: Tree, project: Project): Diagnostic[] {
  const out: Diagnostic[] = [];
  const services = isTree(tree.services) ? tree.services : {};
  for (const [name, svc] of Object.entries(project.services)) {
    const build = svc.build;
    if (!build || isRemoteContext(build.context)) continue;
    const raw = services[name];
    const rawBuild = isTree(raw) ? raw.build : undefined;
    const contextAt = isTree(rawBuild) ? valueLoc(rawBuild, 'context') : isTree(raw) ? valueLoc(raw, 'build') : keyLoc(services, name);
    const context = build.context;
    try {
      if (!statPath(context).isDirectory()) {
        out.push(diag('BUILD_CONTEXT_NOT_DIRECTORY', `build context ${context} of service "${name}" is a file, not a directory`, contextAt, 'build: names the folder that holds the Dockerfile'));
        continue;
      }
    } catch (err) {
      const d = describe(err);
      out.push(
        d.missing
          ? diag('BUILD_CONTEXT_NOT_FOUND', `build context ${context} of service "${name}" not found`, contextAt, 'fix the path, or create the folder')
          : diag('BUILD_CONTEXT_NOT_DIRECTORY', `build context ${context} of service "${name}" ${d.reason}`, contextAt, 'fix the path'),
      );
      continue;
    }
    const { dockerfile } = build;
    if (dockerfile === undefined || build.dockerfile_inline !== undefined) continue;
    const path = isAbsolute(dockerfile) ? dockerfile : join(context, dockerfile);
    const bad = checkRegularFile(path);
    if (bad) {
      const at = isTree(rawBuild) ? (valueLoc(rawBuild, 'dockerfile') ?? contextAt) : isTree(raw) ? (valueLoc(raw, 'dockerfile') ?? contextAt) : contextAt;
      out.push(
        diag(
          'DOCKERFILE_NOT_FOUND',
          `dockerfile ${path} of service "${name}" ${bad.reason}`,
          at,
          isAbsolute(dockerfile) ? 'fix the path' : `the path is relative to the build context ${context}`,
        ),
      );
    }
  }
  return out;
}
