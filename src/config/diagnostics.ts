/**
 * Diagnostics are values: every problem found while loading a project file is collected
 * as a Diagnostic (never thrown one by one), sorted by position and reported all at once.
 * The value types and their helpers live in model/diagnostic.ts (code past config/ reports
 * diagnostics too); config/ takes them from here.
 */
export { diag, formatDiagnostic, hasErrors, sortDiagnostics, warning, type ConfigCode, type DiagCode, type Diagnostic, type FormatOptions, type Loc, type Severity } from '../model/diagnostic.js';
