/**
 * The schema validator compiled at build time, when the bundle carries it: scripts/bundle.mjs
 * replaces this module with a function requiring scripts/compile-schema.mjs's output, so the
 * validator is part of the bundle's code cache instead of a 440 KB file compiled at every
 * start, and its 400 KB run only when a file is validated (never on a project-cache hit).
 * Undefined in dist/ and src/, where validate.ts loads the file next to it or compiles the
 * schema itself.
 */
import type { ValidateFunction } from 'ajv';

export const precompiledValidator = (): ValidateFunction | undefined => undefined;
