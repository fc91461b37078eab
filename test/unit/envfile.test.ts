import { describe, expect, it } from 'vitest';
import { envFileToMap, parseEnvFile } from '../../src/config/envfile.js';
import type { EnvFileEntry } from '../../src/config/envfile.js';

interface Vector {
  name: string;
  text: string;
  /** what the lookup knows (OS / project environment) */
  env?: Record<string, string>;
  /** envFileToMap(result) when no errors are expected, else the entries that did parse */
  map?: Record<string, string>;
  /** [key, line, col] of every entry, in order */
  at?: Array<[string, number, number]>;
  /** expected errors: line, col and a part of the message */
  errors?: Array<[number, number, string]>;
}

const VECTORS: Vector[] = [
  // ---- basics (compose-go TestParsing / TestParse) ----
  { name: 'unquoted', text: 'FOO=bar', map: { FOO: 'bar' } },
  { name: 'several lines', text: 'ONE=1\nTWO=\'2\'\nTHREE = "3"', map: { ONE: '1', TWO: '2', THREE: '3' } },
  { name: 'space before =', text: 'FOO =bar', map: { FOO: 'bar' } },
  { name: 'space after =', text: 'FOO= bar', map: { FOO: 'bar' } },
  { name: 'trailing space stripped', text: 'FOO=bar   \t', map: { FOO: 'bar' } },
  { name: 'inner spaces kept', text: 'FOO=a b  c', map: { FOO: 'a b  c' } },
  { name: 'leading whitespace', text: '   KEY=value\n\tK2 =v2', map: { KEY: 'value', K2: 'v2' } },
  { name: 'several = in the value', text: 'FOO=foobar=', map: { FOO: 'foobar=' } },
  {
    name: 'url with = and ?',
    text: 'OPTION_A=postgres://localhost:5432/database?sslmode=disable',
    map: { OPTION_A: 'postgres://localhost:5432/database?sslmode=disable' },
  },
  { name: 'empty value', text: 'A=\nB=', map: { A: '', B: '' } },
  { name: 'empty quoted values', text: "A=''\nB=\"\"", map: { A: '', B: '' } },
  { name: 'unquoted backslashes are literal', text: 'FOO=a\\tb\\n', map: { FOO: 'a\\tb\\n' } },
  { name: 'last value wins', text: 'A=1\nA=2', map: { A: '2' } },

  // ---- yaml-style `:` separator ----
  { name: 'yaml style', text: 'OPTION_A: 1', map: { OPTION_A: '1' } },
  { name: 'yaml style with = in value', text: 'OPTION_A: Foo=bar', map: { OPTION_A: 'Foo=bar' } },
  { name: 'colon in a = value', text: 'OPTION_A=1:B', map: { OPTION_A: '1:B' } },
  { name: 'yaml style quoted', text: "A: 'x y'", map: { A: 'x y' } },

  // ---- key names ----
  { name: 'dots in key', text: 'FOO.BAR=foobar', map: { 'FOO.BAR': 'foobar' } },
  {
    name: 'dashes, dots, underscores, brackets',
    text: 'VAR-WITH-DASHES=dashes\nVAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=underscores\na[1]=c',
    map: {
      'VAR-WITH-DASHES': 'dashes',
      'VAR.WITH.DOTS': 'dots',
      VAR_WITH_UNDERSCORES: 'underscores',
      'a[1]': 'c',
    },
  },
  {
    name: 'unicode key and value',
    text: 'árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép',
    map: { 'árvíztűrő-TÜKÖRFÚRÓGÉP': 'ÁRVÍZTŰRŐ-tükörfúrógép' },
  },
  { name: 'digits after the first char', text: 'K1=x\n_1=y', map: { K1: 'x', _1: 'y' } },
  { name: 'key starting with a digit', text: 'A=1\n1KEY=x', map: { A: '1' }, errors: [[2, 1, 'cannot start with a digit']] },
  {
    name: 'key with spaces',
    text: 'KEY WITH SPACE=x',
    map: {},
    errors: [[1, 4, 'cannot contain whitespace']],
  },
  { name: 'key with a tab', text: 'K\tX=1', map: {}, errors: [[1, 2, 'cannot contain whitespace']] },
  { name: 'bad character in key', text: 'lol$wut', map: {}, errors: [[1, 4, 'unexpected character "$"']] },
  { name: 'bad character in key (2)', text: '  %!(EXTRA string)=foo', map: {}, errors: [[1, 3, '"%"']] },
  { name: 'missing key', text: '="value"', map: {}, errors: [[1, 1, 'missing variable name']] },
  {
    name: 'bad key with a multi-line value: the value is consumed',
    text: 'BAD KEY="a\nB=b"\nC=c',
    map: { C: 'c' },
    errors: [[1, 4, 'whitespace']],
  },

  // ---- export ----
  { name: 'export', text: 'export OPTION_A=2', map: { OPTION_A: '2' }, at: [['OPTION_A', 1, 8]] },
  { name: 'export with tab', text: 'export\tOPTION_A=2', map: { OPTION_A: '2' } },
  { name: 'indented export', text: '  export OPTION_A=2\n\texport B=3', map: { OPTION_A: '2', B: '3' } },
  { name: 'export of a quoted value', text: 'export OPTION_A="export A"', map: { OPTION_A: 'export A' } },
  { name: 'export single quoted', text: "export OPTION_B='\\n'", map: { OPTION_B: '\\n' } },
  {
    name: 'keys that start with export',
    text: 'export exportFoo=2\nexportFOO=2\nexport_FOO =2\nexport.FOO= 2',
    map: { exportFoo: '2', exportFOO: '2', export_FOO: '2', 'export.FOO': '2' },
  },

  // ---- comments ----
  { name: 'comment lines', text: '# a comment\nA=1\n  # indented\n\t# tab', map: { A: '1' } },
  { name: 'inline comment', text: 'FOO=bar # this is foo', map: { FOO: 'bar' } },
  { name: 'inline comment without space after #', text: 'FOO=bar #this is foo', map: { FOO: 'bar' } },
  { name: 'inline comment alone', text: 'FOO=bar #', map: { FOO: 'bar' } },
  { name: 'inline comment after tab', text: 'FOO=bar\t# c', map: { FOO: 'bar' } },
  { name: 'hash without space is kept', text: 'FOO=123#not-an-inline-comment', map: { FOO: '123#not-an-inline-comment' } },
  // compose-go trims the space after `=` first, so this `#` starts the value
  { name: 'value starting with #', text: 'FOO= #bar', map: { FOO: '#bar' } },
  { name: '# in double quotes', text: 'FOO="bar#baz"', map: { FOO: 'bar#baz' } },
  { name: '# after double quotes', text: 'FOO="bar#baz"#', map: { FOO: 'bar#baz' } },
  { name: 'comment after double quotes', text: 'FOO="bar#baz#bang" # comment', map: { FOO: 'bar#baz#bang' } },
  { name: 'comment after single quotes', text: "FOO='ba#r' # comment", map: { FOO: 'ba#r' } },
  {
    name: 'text after the closing quote',
    text: 'FOO="bar"baz\nOK=1',
    map: { OK: '1' },
    errors: [[1, 10, 'after closing']],
  },

  // ---- single quotes ----
  { name: 'single quoted', text: "FOO='bar'", map: { FOO: 'bar' } },
  { name: 'no expansion in single quotes', text: "FOO=x\nBAR='quote $FOO ${FOO}'", map: { FOO: 'x', BAR: 'quote $FOO ${FOO}' } },
  { name: 'no escapes in single quotes', text: "FOO='a\\nb\\\\'", map: { FOO: 'a\\nb\\\\' } },
  { name: 'escaped single quote', text: "FOO='it\\'s'", map: { FOO: "it's" } },
  { name: 'double quotes inside single', text: 'FOO=\'say "hi"\'', map: { FOO: 'say "hi"' } },
  {
    name: 'multi-line single quoted',
    text: "OPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_Z = \"last value\"",
    map: { OPTION_J: 'first line\nsecond line\nthird line\nand so on', OPTION_Z: 'last value' },
    at: [
      ['OPTION_J', 1, 1],
      ['OPTION_Z', 5, 1],
    ],
  },

  // ---- double quotes ----
  { name: 'double quoted', text: 'FOO="bar"', map: { FOO: 'bar' } },
  { name: 'escaped double quote', text: 'FOO="escaped\\"bar"', map: { FOO: 'escaped"bar' } },
  { name: 'quoted quotes', text: 'FOO="\\"quoted\\""', map: { FOO: '"quoted"' } },
  { name: 'single quotes inside double', text: 'FOO="\'d\'"', map: { FOO: "'d'" } },
  { name: '\\n in double quotes', text: 'FOO="bar\\nbaz"', map: { FOO: 'bar\nbaz' } },
  { name: '\\t in double quotes', text: 'FOO="a\\tb"', map: { FOO: 'a\tb' } },
  { name: 'backslash escapes', text: 'FOO="a\\\\b"', map: { FOO: 'a\\b' } },
  { name: 'trailing escaped backslash', text: 'FOO="bar\\nbaz\\\\"', map: { FOO: 'bar\nbaz\\' } },
  {
    name: 'shell escapes',
    text: 'KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"',
    map: { KEY: 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ' },
  },
  { name: 'octal escape', text: 'KEY="\\0123"', map: { KEY: 'S' } },
  {
    name: 'unknown escapes are kept',
    text: 'A="\\x07"\nB="\\u12e4"\nC="\\U00101234"\nD="bar\\n\\ b\\az"',
    map: { A: '\\x07', B: '\\u12e4', C: '\\U00101234', D: 'bar\n\\ b\x07z' },
  },
  { name: '\\$ is a literal dollar', text: 'FOO="foo\\$BAR"', map: { FOO: 'foo$BAR' } },
  { name: '\\${ is not expanded', text: 'FOO="foo\\${BAR}"', map: { FOO: 'foo${BAR}' } },
  {
    name: 'escaped and expanded side by side',
    text: 'FOO=test\nBAR="foo\\${FOO} ${FOO}"',
    map: { FOO: 'test', BAR: 'foo${FOO} test' },
  },
  { name: 'expansion in double quotes', text: 'FOO=test\nBAR="quote $FOO"', map: { FOO: 'test', BAR: 'quote test' } },
  {
    name: 'multi-line double quoted',
    text: 'TEST_URLS="stratum+tcp://a:3333\nstratum+tcp://b:443"\nNEXT=1',
    map: { TEST_URLS: 'stratum+tcp://a:3333\nstratum+tcp://b:443', NEXT: '1' },
    at: [
      ['TEST_URLS', 1, 1],
      ['NEXT', 3, 1],
    ],
  },
  { name: 'unterminated double quote', text: 'KEY="', map: {}, errors: [[1, 5, 'unterminated']] },
  { name: 'unterminated double quote with value', text: 'KEY="value', map: {}, errors: [[1, 5, 'unterminated']] },
  { name: 'escaped closing double quote', text: 'KEY="value\\"', map: {}, errors: [[1, 5, 'unterminated']] },
  { name: 'mismatched quotes', text: 'KEY="value\'', map: {}, errors: [[1, 5, 'unterminated']] },
  { name: 'unterminated single quote', text: "KEY='", map: {}, errors: [[1, 5, 'unterminated']] },
  { name: "escaped closing single quote", text: "KEY='value\\'", map: {}, errors: [[1, 5, 'unterminated']] },
  { name: 'mismatched quotes (2)', text: 'KEY=\'value"', map: {}, errors: [[1, 5, 'unterminated']] },
  {
    name: 'unterminated quote, later lines still parsed',
    text: 'A=1\nB="open\nC=3',
    map: { A: '1', C: '3' },
    errors: [[2, 3, 'unterminated']],
  },

  // ---- expansion in unquoted values ----
  { name: 'expands earlier keys', text: 'FOO=test\nBAR=$FOO', map: { FOO: 'test', BAR: 'test' } },
  { name: 'braced', text: 'FOO=test\nBAR=${FOO}bar', map: { FOO: 'test', BAR: 'testbar' } },
  { name: 'undefined expands to empty', text: 'BAR=$FOO', map: { BAR: '' } },
  { name: 'later keys are not visible', text: 'A=$B\nB=1', map: { A: '', B: '1' } },
  { name: '$$ in unquoted', text: 'A=$$HOME', map: { A: '$HOME' } },
  { name: 'lone $ kept', text: 'A=5$ and $1', map: { A: '5$ and $1' } },
  { name: 'expansion from lookup', text: 'TEST=$ME', env: { ME: 'YES' }, map: { TEST: 'YES' } },
  {
    name: 'substitutions fixture',
    text: 'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}',
    map: { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1', OPTION_E: '' },
  },
  {
    // compose-go: the lookup (the shell environment) wins over earlier keys of the file
    name: 'lookup takes precedence over earlier keys',
    text: 'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}',
    env: { OPTION_A: '5' },
    map: { OPTION_A: '1', OPTION_B: '5', OPTION_C: '5', OPTION_D: '5_5', OPTION_E: '' },
  },
  {
    name: 'substitutions-default fixture, variable set',
    text: 'OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}',
    env: { OPTION_A: '5' },
    map: { OPTION_A: '5', OPTION_B: '5', OPTION_C: '5', OPTION_D: '5_5' },
  },
  {
    name: 'substitutions-default fixture, variable unset',
    text: 'OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}',
    map: { OPTION_A: '1', OPTION_B: '1', OPTION_C: '1', OPTION_D: '1_1' },
  },
  // compose-go godotenv_var_expansion_test.go
  { name: ':- unset', text: 'RESULT=${UNSET_VAR:-Default Value}', map: { RESULT: 'Default Value' } },
  { name: ':- empty', text: 'EMPTY_VAR=\nRESULT=${EMPTY_VAR:-Default Value}', map: { EMPTY_VAR: '', RESULT: 'Default Value' } },
  { name: ':- set', text: 'RESULT=${TEST_VAR:-Default Value}', env: { TEST_VAR: 'Test Value' }, map: { RESULT: 'Test Value' } },
  { name: '- unset', text: 'RESULT=${UNSET_VAR-Default Value}', map: { RESULT: 'Default Value' } },
  { name: '- empty', text: 'RESULT=${EMPTY_VAR-Default Value}', env: { EMPTY_VAR: '' }, map: { RESULT: '' } },
  // The message of `:?` is text of the env file: the error names the variable, never quotes the file.
  {
    name: ':? unset',
    text: 'RESULT=${UNSET_VAR:?Test error}',
    map: {},
    errors: [[1, 8, 'required variable UNSET_VAR is missing a value']],
  },
  {
    name: ':? empty',
    text: 'RESULT=${EMPTY_VAR:?Test error}',
    env: { EMPTY_VAR: '' },
    map: {},
    errors: [[1, 8, 'required variable EMPTY_VAR is missing a value']],
  },
  { name: ':? set', text: 'RESULT=${TEST_VAR:?Default Value}', env: { TEST_VAR: 'Test Value' }, map: { RESULT: 'Test Value' } },
  { name: '? empty', text: 'RESULT=${EMPTY_VAR?Test error}', env: { EMPTY_VAR: '' }, map: { RESULT: '' } },
  {
    name: '? unset in double quotes, position inside the quotes',
    text: 'A=1\nRESULT="x\\ty ${UNSET_VAR?Test error}"',
    map: { A: '1' },
    errors: [[2, 14, 'required variable UNSET_VAR is missing a value']],
  },
  { name: ':+ set', text: 'R=${S:+alt}', env: { S: 'x' }, map: { R: 'alt' } },
  { name: 'nested default', text: 'R=${A:-${B:-deep}}', map: { R: 'deep' } },
  { name: 'bad interpolation syntax', text: 'A=ok\nB=x ${ bad}', map: { A: 'ok' }, errors: [[2, 5, 'invalid interpolation']] },
  { name: 'default with a space-hash is cut (compose-go)', text: 'A=${X:- #y}', map: {}, errors: [[1, 3, 'invalid interpolation']] },

  // ---- bare keys ----
  { name: 'bare key from lookup', text: 'VAR_FROM_ENV\nfoo=bar', env: { VAR_FROM_ENV: 'v' }, map: { VAR_FROM_ENV: 'v', foo: 'bar' } },
  { name: 'bare key, empty in lookup', text: 'E', env: { E: '' }, map: { E: '' } },
  { name: 'bare key not found', text: 'VARIABLE_NOT_FOUND\nA=1', map: { A: '1' } },
  { name: 'bare key with trailing space', text: 'K   \nA=1', env: { K: 'k' }, map: { K: 'k', A: '1' } },
  { name: 'bare key feeds later expansion', text: 'K\nA=$K-x', env: { K: 'k' }, map: { K: 'k', A: 'k-x' } },
  { name: 'bare export', text: 'export K', env: { K: 'k' }, map: { K: 'k' } },

  // ---- line endings, BOM, blank lines ----
  { name: 'CRLF', text: 'A=1\r\nB="two"\r\nC=\'3\'\r\n', map: { A: '1', B: 'two', C: '3' } },
  { name: 'CRLF in a multi-line value', text: 'A="x\r\ny"\r\nB=2', map: { A: 'x\ny', B: '2' } },
  { name: 'CRLF with inline comment', text: 'A=1 # c\r\nB=2\r\n', map: { A: '1', B: '2' } },
  { name: 'CRLF bare key', text: 'K\r\nA=1', env: { K: 'k' }, map: { K: 'k', A: '1' } },
  {
    name: 'UTF-8 BOM',
    text: '\uFEFFOPTION_A=1\nOPTION_B=2',
    map: { OPTION_A: '1', OPTION_B: '2' },
    at: [
      ['OPTION_A', 1, 1],
      ['OPTION_B', 2, 1],
    ],
  },
  { name: 'blank lines and whitespace only', text: '\n\n  \t\n\r\nA=1\n\n', map: { A: '1' }, at: [['A', 5, 1]] },
  { name: 'empty file', text: '', map: {} },
  { name: 'only comments', text: '# one\n# two', map: {} },
  { name: 'no final newline', text: 'A=1\nB=2', map: { A: '1', B: '2' } },
  { name: 'a key named __proto__ is an ordinary key', text: '__proto__=x', map: { ['__proto__']: 'x' } },
];

function run(vec: Vector): void {
  const env = vec.env ?? {};
  const lookup = (name: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
  const r = parseEnvFile(vec.text, lookup);
  const errors = vec.errors ?? [];
  expect(r.errors.map((e) => [e.line, e.col])).toEqual(errors.map(([l, c]) => [l, c]));
  errors.forEach(([, , part], i) => expect(r.errors[i]?.message).toContain(part));
  if (vec.map) expect({ ...envFileToMap(r) }).toEqual(vec.map);
  if (vec.at) expect(r.entries.map((e) => [e.key, e.line, e.col])).toEqual(vec.at);
}

describe('parseEnvFile vectors', () => {
  it.each(VECTORS.map((vec) => [vec.name, vec] as const))('%s', (_name, vec) => run(vec));
});

describe('parseEnvFile', () => {
  it('reports entries with positions and undefined for missing bare keys', () => {
    const r = parseEnvFile('# head\nA=1\n  export B = 2\nMISSING\n', () => undefined);
    expect(r.errors).toEqual([]);
    expect(r.entries).toEqual<EnvFileEntry[]>([
      { key: 'A', value: '1', line: 2, col: 1 },
      { key: 'B', value: '2', line: 3, col: 10 },
      { key: 'MISSING', value: undefined, line: 4, col: 1 },
    ]);
  });

  it('works without a lookup', () => {
    const r = parseEnvFile('A=1\nB=${A}-$C\nD');
    expect(r.errors).toEqual([]);
    expect(envFileToMap(r, true)).toEqual({ A: '1', B: '1-', D: undefined });
  });

  it('collects every error of the file', () => {
    const r = parseEnvFile('1A=x\nB C=y\nD="open\nE=${F:?need F}\nG=ok\n');
    expect(r.errors.map((e) => [e.line, e.col])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
    ]);
    expect(envFileToMap(r)).toEqual({ G: 'ok' });
  });

  it('does not call the lookup for single-quoted values', () => {
    const seen: string[] = [];
    parseEnvFile("A='$X ${Y}'", (n) => {
      seen.push(n);
      return undefined;
    });
    expect(seen).toEqual([]);
  });

  it('never throws on odd input', () => {
    for (const t of ['"', "'", '=', ':', '\\', 'A="\\', 'export', 'export ', '\uFEFF', '\r', 'A=${', '#']) {
      expect(() => parseEnvFile(t)).not.toThrow();
    }
  });
});

describe('envFileToMap', () => {
  const r = parseEnvFile('A=1\nU\nA=2\nB=x\nB', (n) => (n === 'B' ? 'from-env' : undefined));

  it('last value wins, unset keys omitted', () => {
    expect(envFileToMap(r)).toEqual({ A: '2', B: 'from-env' });
    expect(Object.keys(envFileToMap(r))).toEqual(['A', 'B']);
  });

  it('keepUnset keeps keys without a value', () => {
    const m = envFileToMap(r, true);
    expect(Object.keys(m)).toEqual(['A', 'U', 'B']);
    expect(m.U).toBeUndefined();
  });

  it('an unset bare key does not erase an earlier value unless keepUnset', () => {
    const r2 = parseEnvFile('A=1\nA');
    expect(envFileToMap(r2)).toEqual({ A: '1' });
    expect('A' in envFileToMap(r2, true)).toBe(true);
    expect(envFileToMap(r2, true).A).toBeUndefined();
  });
});
