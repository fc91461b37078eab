import { formatDiagnostic, sortDiagnostics, type Diagnostic } from './model/diagnostic.js';

/** Exit codes: 1 failure, 2 usage, 130 interrupted. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Base of every error tsfig reports to the user: one line, no stack trace. */
export class TsfigError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'TsfigError';
    this.exitCode = exitCode;
  }
}

/** The project file is wrong. Carries every diagnostic found. */
export class ConfigError extends TsfigError {
  readonly diagnostics: Diagnostic[];
  /** `cwd` makes file paths in the message relative to it. */
  constructor(diagnostics: Diagnostic[], cwd?: string) {
    const sorted = sortDiagnostics(diagnostics);
    super(sorted.map((d) => formatDiagnostic(d, cwd)).join('\n'));
    this.name = 'ConfigError';
    this.diagnostics = sorted;
  }
}

/** A usage error on the command line (exit 2). */
export class UsageError extends TsfigError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

/** The Docker engine refused, failed, or could not be reached. */
export class EngineError extends TsfigError {
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode?: number) {
    super(message);
    this.name = 'EngineError';
    this.statusCode = statusCode;
  }
}

/** The command already reported what went wrong; exit with this code, print nothing more. */
export class ExitCode extends TsfigError {
  constructor(code: number) {
    super('', code);
    this.name = 'ExitCode';
  }
}
