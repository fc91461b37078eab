// Build step: compile schema/fig.schema.json into a standalone validator (dist/config/schema-validator.cjs),
// so `tsfig config` does not spend ~150 ms compiling the schema at every start. The source
// of truth stays the JSON schema; src/config/validate.ts falls back to compiling it when the
// file is absent (tests run from src/).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(resolve(root, 'schema/fig.schema.json'), 'utf8'));
// Same options as src/config/validate.ts, plus code generation.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, code: { source: true } });
const validate = ajv.compile(schema);
const out = resolve(root, 'dist/config/schema-validator.cjs');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, standaloneCode.default ? standaloneCode.default(ajv, validate) : standaloneCode(ajv, validate));
