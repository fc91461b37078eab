/**
 * Diagnostics are values: every problem found while loading a project file is collected
 * as a Diagnostic (never thrown one by one), sorted by position and reported all at once.
 */

/** Where a value came from: 1-based line and column in a file. */
export interface Loc {
  file: string;
  line: number;
  col: number;
}

/** The closed set of diagnostic codes. Tests assert on these, never on English text. */
export type DiagCode =
  // reading and YAML
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'FILE_NOT_REGULAR'
  | 'FILE_UNREADABLE'
  | 'EMPTY_FILE'
  | 'YAML_SYNTAX'
  | 'YAML_TAB'
  | 'YAML_DUPLICATE_KEY'
  | 'YAML_ALIAS_LIMIT'
  | 'YAML_TOO_DEEP'
  | 'YAML_MULTIPLE_DOCS'
  | 'YAML_BAD_TAG'
  // interpolation
  | 'INTERP_REQUIRED'
  | 'INTERP_SYNTAX'
  | 'INTERP_UNSET'
  // schema
  | 'UNKNOWN_KEY'
  | 'WRONG_TYPE'
  | 'INVALID_VALUE'
  | 'MISSING_KEY'
  // semantics
  | 'NO_IMAGE'
  | 'INVALID_PORT'
  | 'INVALID_VOLUME'
  | 'INVALID_DURATION'
  | 'INVALID_SIZE'
  | 'INVALID_NAME'
  | 'UNKNOWN_SERVICE'
  | 'UNKNOWN_NETWORK'
  | 'UNKNOWN_VOLUME'
  | 'UNKNOWN_HOST'
  | 'DEPENDENCY_CYCLE'
  | 'EXTENDS_CYCLE'
  | 'EXTENDS_UNKNOWN'
  | 'EXTENDS_INVALID'
  | 'INCLUDE_CYCLE'
  | 'ENV_FILE_MISSING'
  | 'ENV_FILE_SYNTAX'
  | 'BUILD_CONTEXT_NOT_FOUND'
  | 'BUILD_CONTEXT_NOT_DIRECTORY'
  | 'DOCKERFILE_NOT_FOUND'
  | 'CONFLICT'
  | 'DUPLICATE_OVERRIDE';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: DiagCode;
  severity: Severity;
  message: string;
  /** Position of the offending node; absent only when no file is involved. */
  loc?: Loc;
  /** How to fix it, when we can say ("did you mean image?"). */
  hint?: string;
}

export function diag(
  code: DiagCode,
  message: string,
  loc?: Loc,
  hint?: string,
  severity: Severity = 'error',
): Diagnostic {
  const d: Diagnostic = { code, severity, message };
  if (loc) d.loc = loc;
  if (hint) d.hint = hint;
  return d;
}

export function warning(code: DiagCode, message: string, loc?: Loc, hint?: string): Diagnostic {
  return diag(code, message, loc, hint, 'warning');
}

/** `FILE:LINE:COL: message (hint)` - one line per diagnostic. */
export function formatDiagnostic(d: Diagnostic, cwd?: string): string {
  const where = d.loc ? `${displayPath(d.loc.file, cwd)}:${d.loc.line}:${d.loc.col}: ` : '';
  const sev = d.severity === 'warning' ? 'warning: ' : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}${sev}${d.message}${hint}`;
}

function displayPath(file: string, cwd?: string): string {
  if (!cwd || !file.startsWith('/')) return file;
  const prefix = cwd.endsWith('/') ? cwd : cwd + '/';
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

/** Sort by file, line, column; diagnostics without a position come first. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => {
    if (!a.loc || !b.loc) return a.loc ? 1 : b.loc ? -1 : 0;
    if (a.loc.file !== b.loc.file) return a.loc.file < b.loc.file ? -1 : 1;
    return a.loc.line - b.loc.line || a.loc.col - b.loc.col;
  });
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}
