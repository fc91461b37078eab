/**
 * The schema validator compiled at build time, when the bundle carries it: scripts/bundle.mjs
 * replaces this module with scripts/compile-schema.mjs's output, so the validator is part of
 * the bundle's code cache instead of a 440 KB file compiled at every start. Undefined in dist/
 * and src/, where validate.ts loads the file next to it or compiles the schema itself.
 */
import type { ValidateFunction } from 'ajv';

export const PRECOMPILED_VALIDATOR: ValidateFunction | undefined = undefined;
