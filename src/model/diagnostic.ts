/**
 * Diagnostics are values: every problem tsfig finds in a project, from the bytes of a file to
 * the plan against the engines, is a Diagnostic with a code from one closed set, a severity, a
 * message and, when the problem concerns something written in a file, where it was written.
 * Tests assert codes and positions, never English text.
 *
 * Also here: the source positions of a loaded Project (`attachSources`/`sourceLoc`), so code
 * past config/ (reconcile, overlay) can point a diagnostic at the key it concerns.
 */
import type { Project } from './project.js';

/**
 * Where a value came from: 1-based line and column in a file, columns counted in code points
 * (an emoji is one column). Positions taken from a YAML node also carry the span: `offset` and
 * `endOffset` index the file's decoded text (JS string indices; a UTF-8 BOM is not part of
 * it), `endLine`/`endCol` are where the span ends, exclusive (just after its last character,
 * trailing spaces, line breaks and comments not included), so an editor can underline it.
 */
export interface Loc {
  file: string;
  line: number;
  col: number;
  offset?: number;
  endOffset?: number;
  endLine?: number;
  endCol?: number;
}

/** Codes of problems found while loading project files (config/). */
export type ConfigCode =
  // reading and YAML
  | 'FILE_NOT_FOUND'
  /** The default names were searched for upwards from the working directory, and none was there. */
  | 'NO_PROJECT_FILE'
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

/** Codes of a plan's errors and warnings (reconcile/: up, create, run, pull, push, down, the lifecycle commands). */
export type PlanCode =
  /** A service named on the command line is not in the project (error). */
  | 'PLAN_UNKNOWN_SERVICE'
  /** A host did not answer; nothing on it is changed (warning). */
  | 'PLAN_HOST_UNREACHABLE'
  /** Containers of services no longer in the project, left alone without --remove-orphans (warning). */
  | 'PLAN_ORPHANS'
  /** A swarm stack's network differs from the file; a swarm cannot change it in place (warning). */
  | 'PLAN_NETWORK_CHANGED'
  /** A network declared `external: true` is not on the host (error). */
  | 'PLAN_EXTERNAL_NETWORK_MISSING'
  /** A volume declared `external: true` is not on the host (error). */
  | 'PLAN_EXTERNAL_VOLUME_MISSING'
  /** A volume's definition changed; it is kept, with its data, without --force-recreate-volumes (warning). */
  | 'PLAN_VOLUME_CHANGED'
  /** A container the project would make: its name is held by a container tsfig did not make for it (error). */
  | 'PLAN_NAME_TAKEN'
  /** A volume the file declares exists under its name, and tsfig did not make it: used as it is. */
  | 'PLAN_VOLUME_FOREIGN'
  /** down -v keeps a volume the file declares external (warning). */
  | 'PLAN_VOLUME_EXTERNAL_KEPT'
  /** down -v keeps a project volume the file no longer declares (warning). */
  | 'PLAN_VOLUME_UNDECLARED_KEPT'
  /** A remote build context goes with an inline or a local Dockerfile, which the engine cannot use (error). */
  | 'PLAN_REMOTE_BUILD_INVALID'
  /** A service's image must be built and --no-build forbids it (error). */
  | 'PLAN_BUILD_FORBIDDEN'
  /** A service's image is missing and `--pull never`/`pull_policy: never` forbids pulling it (error). */
  | 'PLAN_PULL_FORBIDDEN'
  /** After up's image phase, a service's image is still not on its host (error). */
  | 'PLAN_IMAGE_MISSING'
  /** A service with container_name is scaled above 1 (error). */
  | 'PLAN_SCALE_CONTAINER_NAME'
  /** A service's create body cannot be made (reconcile/spec.ts's SpecError) (error). */
  | 'PLAN_SPEC'
  /** A host's overlay state (devices, routes, tools) could not be read (error for `up`, warning for `down`). */
  | 'PLAN_OVERLAY_UNREADABLE'
  /** `--all-resources`: an overlay network no service uses has no host to be made on (warning). */
  | 'PLAN_UNUSED_OVERLAY'
  /** swarm: a key of the file a swarm cannot honour; it is left out, and the warning says what to do (warning). */
  | 'PLAN_SWARM_IGNORED'
  /** swarm: a value that cannot become a service spec (a port range, an unknown deploy mode, a missing secret source) (error). */
  | 'PLAN_SWARM_SPEC'
  /** swarm, down -v: a volume of the stack is on a node other than the manager, which tsfig cannot remove there (warning). */
  | 'PLAN_SWARM_VOLUME_ELSEWHERE';

/** Codes of the overlay's allocation (overlay/alloc.ts) and of its per-host state (overlay/desired.ts, plan.ts). */
export type OverlayCode =
  /** An overlay network's subnet is not an IPv4 CIDR. */
  | 'OVERLAY_SUBNET_INVALID'
  /** An overlay subnet is smaller than /24: no slice per host. */
  | 'OVERLAY_SUBNET_TOO_SMALL'
  /** An overlay subnet overlaps a route of a member host. */
  | 'OVERLAY_SUBNET_ROUTE_CLASH'
  /** Two overlay networks of the project overlap. */
  | 'OVERLAY_SUBNET_OVERLAP'
  /** No default overlay subnet in 10.128.0.0/10 is free on the member hosts. */
  | 'OVERLAY_SUBNET_EXHAUSTED'
  /** An overlay subnet has no slice left for a member host. */
  | 'OVERLAY_SLICES_EXHAUSTED'
  /** A host runs more containers on an overlay network than its slice holds. */
  | 'OVERLAY_SLICE_FULL'
  /** An overlay network's `vni` is not 1 to 16777215. */
  | 'OVERLAY_VNI_INVALID'
  /** A service's `ipv4_address` is not in its overlay network's subnet. */
  | 'OVERLAY_ADDRESS_OUTSIDE_SUBNET'
  /** A member host's underlay address is neither set nor detected. */
  | 'OVERLAY_UNDERLAY_UNKNOWN'
  /** A host's underlay address is guessed from its default route (warning). */
  | 'OVERLAY_UNDERLAY_GUESSED'
  /** A host's underlay MTU is too small for an overlay network's MTU (warning). */
  | 'OVERLAY_MTU_TOO_SMALL'
  /** A host lacks the tools the overlay needs (iproute2, iptables). */
  | 'OVERLAY_TOOLS_MISSING'
  /** A host's kernel refused a vxlan device. */
  | 'OVERLAY_VXLAN_REFUSED'
  /** An overlay network's VNI is already used by another vxlan device on a host. */
  | 'OVERLAY_VNI_IN_USE';

/** The closed set of diagnostic codes. Tests assert on these, never on English text. */
export type DiagCode = ConfigCode | PlanCode | OverlayCode;

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: DiagCode;
  severity: Severity;
  message: string;
  /** Position of the offending node; absent when no file is involved (or it is not known). */
  loc?: Loc;
  /** How to fix it, when we can say ("did you mean image?"). */
  hint?: string;
}

export function diag(code: DiagCode, message: string, loc?: Loc, hint?: string, severity: Severity = 'error'): Diagnostic {
  const d: Diagnostic = { code, severity, message };
  if (loc) d.loc = loc;
  if (hint) d.hint = hint;
  return d;
}

export function warning(code: DiagCode, message: string, loc?: Loc, hint?: string): Diagnostic {
  return diag(code, message, loc, hint, 'warning');
}

export interface FormatOptions {
  /** Paths under this directory are shown relative to it. */
  cwd?: string | undefined;
  /** Label errors too (`error: ...`), as a plan's text does; by default only warnings are labelled. */
  labelErrors?: boolean;
}

/** `FILE:LINE:COL: message (hint)` - one line per diagnostic; warnings say `warning: ` before the message. */
export function formatDiagnostic(d: Diagnostic, opts?: string | FormatOptions): string {
  const o: FormatOptions = typeof opts === 'string' ? { cwd: opts } : (opts ?? {});
  const where = d.loc ? `${displayPath(d.loc.file, o.cwd)}:${d.loc.line}:${d.loc.col}: ` : '';
  const sev = d.severity === 'warning' ? 'warning: ' : o.labelErrors ? 'error: ' : '';
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

/** A path into the project as written: `['services', 'web', 'ports', 0]`, `['networks', 'front', 'vni']`. */
export type SourcePath = ReadonlyArray<string | number>;

/** Where the keys and values of a loaded project were written (config/ makes one per load). */
export interface SourceIndex {
  /**
   * The position of the key at `path` (a list item: the item), or of its value; when the path
   * is not in the file (a default, a key added by the loader), of the nearest enclosing key
   * that is; undefined when not even the first key is.
   */
  locate(path: SourcePath, which: 'key' | 'value'): Loc | undefined;
}

/**
 * Positions of a Project, beside it rather than in it: a WeakMap keyed by the Project object.
 * Not a property (even a non-enumerable one): the Project stays plain data that its type
 * describes, nothing walking its keys (the config hash, `tsfig config`, JSON, a spread copy)
 * can meet the positions, and they go when the project goes. A project made by hand (tests)
 * or copied has none: its diagnostics come without a position, never with a wrong one.
 */
const sources = new WeakMap<Project, SourceIndex>();

export function attachSources(project: Project, index: SourceIndex): void {
  sources.set(project, index);
}

/** The positions attached to a project (to keep them with it, as the project cache does). */
export function attachedSources(project: Project): SourceIndex | undefined {
  return sources.get(project);
}

/** Where the key at `path` of the project was written (or the nearest enclosing key that was). */
export function sourceLoc(project: Project, path: SourcePath): Loc | undefined {
  return sources.get(project)?.locate(path, 'key');
}

/** Where the value at `path` of the project was written (or the nearest enclosing key). */
export function sourceValueLoc(project: Project, path: SourcePath): Loc | undefined {
  return sources.get(project)?.locate(path, 'value');
}

/** A diagnostic about the key at `path` of the project: with its position when the project has one. */
export function diagAt(project: Project, path: SourcePath | undefined, code: DiagCode, message: string, severity: Severity = 'error'): Diagnostic {
  return diag(code, message, path ? sourceLoc(project, path) : undefined, undefined, severity);
}
