/**
 * Loading the project: every command's first step. Warnings go to `warn` (one line each, with
 * file:line:col); errors throw one ConfigError holding all of them, relative to `cwd`.
 */
import { loadProject, type LoadOptions } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { formatDiagnostic, hasErrors } from '../model/diagnostic.js';
import type { Project } from '../model/project.js';

export type { LoadOptions };

export function requireProject(opts: LoadOptions, warn: (line: string) => void): Project {
  const r = loadProject(opts);
  if (hasErrors(r.diagnostics) || !r.project) {
    throw new ConfigError(r.diagnostics.filter((d) => d.severity === 'error'), opts.cwd);
  }
  for (const d of r.diagnostics) warn(formatDiagnostic(d, opts.cwd));
  return r.project;
}
