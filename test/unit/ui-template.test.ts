/**
 * `--format` templates (src/ui/template.ts) against the docker CLI's renderings. Expected outputs
 * come from the docker CLI's own tests and sources: docker/cli templates/templates_test.go
 * (TestParseJSONFunctions, TestParseStringFunctions, TestNewParse, TestParseTruncateFunction,
 * TestHeaderFunctions), cli/command/formatter/formatter.go (preFormat: `table` prefix, trimmed
 * spaces, `\t`/`\n` escapes; postFormat: header row through HeaderFunctions, then tabwriter
 * 10/1/3 ' '), Go's text/template (pipelines pass the value last, `{{-`/`-}}` trims, truthiness,
 * `%v` printing of slices and structs) and text/tabwriter (column blocks, last cell unaligned).
 */
import { describe, expect, it } from 'vitest';
import { execute, formatRows, parseFormat, parseTemplate, tabwrite, TemplateError, type FormatSchema, type TemplateValue } from '../../src/ui/template.js';

const schema: FormatSchema = { command: 'ps', headers: { Name: 'NAME', Image: 'IMAGE', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', ID: 'CONTAINER ID' } };

const run = (tmpl: string, dot: TemplateValue): string => execute(parseTemplate(tmpl), dot, schema);

describe('templates as the docker CLI renders them', () => {
  const row: TemplateValue = {
    ID: '4b5c2a1d9e0f',
    Name: 'demo-web-1',
    Names: 'demo-web-1',
    Image: 'busybox:latest',
    Status: 'Up 2 seconds',
    Ports: '0.0.0.0:8080->80/tcp',
    ExitCode: 0,
    Health: '',
    Publishers: [{ URL: '0.0.0.0', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }],
    Networks: ['demo_default', 'demo_back'],
    Label: (k: TemplateValue) => ({ 'com.docker.compose.service': 'web' })[String(k)] ?? '',
  };
  const cases: Array<[string, TemplateValue, string]> = [
    // docker/cli templates_test.go
    ['{{json .Ports}}', { Ports: '0.0.0.0:2->8/udp' }, '"0.0.0.0:2->8/udp"'],
    ['{{join (split . ":") "/"}}', 'text:with:colon', 'text/with/colon'],
    ['this is a {{ . }}', 'string', 'this is a string'],
    ['{{truncate . 5}}', 'tupx5xzf6hvsrhnruz5cr8gwp', 'tupx5'],
    ['{{truncate . 25}}', 'tupx5xzf6hvsrhnruz5cr8gwp', 'tupx5xzf6hvsrhnruz5cr8gwp'],
    ['{{truncate . 30}}', 'tupx5xzf6hvsrhnruz5cr8gwp', 'tupx5xzf6hvsrhnruz5cr8gwp'],
    ['{{pad . 3 3}}', 'tupx5xzf6hvsrhnruz5cr8gwp', '   tupx5xzf6hvsrhnruz5cr8gwp   '],
    ['{{pad . 3 3}}', '', ''],
    ['{{truncate . 5}}', '', ''],
    // fields, pipelines, functions (Go text/template semantics)
    ['{{.Name}}', row, 'demo-web-1'],
    ['{{.Name}}: {{.Status}}', row, 'demo-web-1: Up 2 seconds'],
    ['{{.Name | upper}}', row, 'DEMO-WEB-1'],
    ['{{upper .Name | lower}}', row, 'demo-web-1'],
    ['{{title "hello world-wide"}}', row, 'Hello World-Wide'],
    // strings.Title: any ASCII non-alphanumeric separates words (so "don't" -> "Don'T"), `_` does not.
    ["{{title \"don't stop_me now.ok\"}}", row, "Don'T Stop_me Now.Ok"],
    ['{{title "é…x"}}', row, 'É…x'],
    ['{{split .Image ":"}}', row, '[busybox latest]'],
    ['{{join .Networks ","}}', row, 'demo_default,demo_back'],
    ['{{.Networks}}', row, '[demo_default demo_back]'],
    ['{{.Publishers}}', row, '[{0.0.0.0 80 8080 tcp}]'],
    ['{{json .Publishers}}', row, '[{"URL":"0.0.0.0","TargetPort":80,"PublishedPort":8080,"Protocol":"tcp"}]'],
    ['{{json .ExitCode}}', row, '0'],
    ['{{json "<a&b>"}}', row, '"<a&b>"'],
    ['{{.Label "com.docker.compose.service"}}', row, 'web'],
    ['{{println .Name}}', row, 'demo-web-1\n'],
    ['{{println .Name .ExitCode}}', row, 'demo-web-1 0\n'],
    ['{{/* a comment */}}{{.ID}}', row, '4b5c2a1d9e0f'],
    ['a  {{- .ID -}}  b', row, 'a4b5c2a1d9e0fb'],
    ['{{range .Publishers}}{{.PublishedPort}}->{{.TargetPort}} {{end}}', row, '8080->80 '],
    ['{{range .Networks}}[{{.}}]{{end}}', row, '[demo_default][demo_back]'],
    ['{{range .Nothing}}x{{else}}none{{end}}', { Nothing: [] }, 'none'],
    ['{{if .Health}}{{.Health}}{{else}}no healthcheck{{end}}', row, 'no healthcheck'],
    ['{{if .ExitCode}}failed{{else if .Name}}ok{{end}}', row, 'ok'],
    ['{{if .Ports}}{{.Ports}}{{end}}', row, '0.0.0.0:8080->80/tcp'],
    // Go's own functions (text/template funcs.go; fmt's verbs)
    ['{{printf "%s is %s" .Name .Status}}', row, 'demo-web-1 is Up 2 seconds'],
    ['{{printf "%-12s|%5d|%05d|%q|%t|%x|%.2f|%%" .Name 42 42 .Name true 255 3.14159}}', row, 'demo-web-1  |   42|00042|"demo-web-1"|true|ff|3.14|%'],
    ['{{printf "%v %v" .Networks .ExitCode}}', row, '[demo_default demo_back] 0'],
    ['{{printf "%s %s" .Name}}', row, 'demo-web-1 %!s(MISSING)'],
    ['{{.Name | printf "%.4s"}}', row, 'demo'],
    ['{{print .Name .ExitCode 1 2}}', row, 'demo-web-10 1 2'],
    ['{{len .Name}} {{len .Networks}} {{len .Publishers}} {{len "é"}}', row, '10 2 1 2'],
    ['{{index .Networks 1}} {{index .Publishers 0 "Protocol"}} [{{index .Publishers 0 "Nope"}}]', row, 'demo_back tcp []'],
    ['{{if eq .Status "Up 2 seconds" "Exited"}}up{{end}} {{eq .ExitCode 0}} {{ne .Name "x"}}', row, 'up true true'],
    ['{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', row, 'true true true false'],
    ['{{and .Name .Health}}|{{or .Health .Name}}|{{not .Health}}', row, '|demo-web-1|true'],
    ['{{if and (eq .ExitCode 0) (gt (len .Networks) 1)}}multi{{end}}', row, 'multi'],
  ];
  it.each(cases)('%s', (tmpl, dot, want) => {
    expect(run(tmpl, dot)).toBe(want);
  });

  it("Go's functions used wrongly: one line naming the function and why", () => {
    expect(() => run('{{printf "%p" .Name}}', row)).toThrow(/^printf: the verb %p is not supported/);
    expect(() => run('{{eq .Name 1}}', row)).toThrow(/^eq: incompatible types for comparison/);
    expect(() => run('{{index .Networks 5}}', row)).toThrow(/^index: 5 is out of range \(the list has 2\)/);
    expect(() => run('{{len .ExitCode}}', row)).toThrow(/^len of 0: only strings, lists and maps have a length/);
    expect(() => run('{{printf .ExitCode}}', row)).toThrow(TemplateError);
  });
});

describe('unsupported constructs: one line naming them and what to write instead', () => {
  const cases: Array<[string, RegExp]> = [
    ['{{slice .Name 1}}', /function "slice" .* not supported; use one of: json, join, split/],
    ['{{html .Name}}', /function "html" .* not supported; use one of: .*printf, len, index, eq/],
    ['{{with .Name}}{{.}}{{end}}', /\{\{with\}\} is not supported; use \{\{if \.Field\}\}/],
    ['{{template "x"}}', /\{\{template\}\} is not supported/],
    ['{{$x := .Name}}', /variables \(\$x\) .* not supported/],
    ['{{range $i, $e := .Names}}{{end}}', /variables in \{\{range/],
    ['{{.Name', /unclosed action/],
    ['{{if .Name}}x', /has no \{\{end\}\}/],
    ['{{end}}', /without \{\{if\}\} or \{\{range\}\}/],
    ['{{"a" "b"}}', /a value cannot take arguments/],
    ['{{.Name | .Image}}', /only a function can follow "\|"/],
  ];
  it.each(cases)('%s', (tmpl, want) => {
    let err: unknown;
    try {
      run(tmpl, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as Error).message).toMatch(want);
    expect((err as Error).message).not.toContain('\n');
  });

  it('an unknown field names the command and lists its fields', () => {
    expect(() => run('{{.Nmae}}', { Name: 'x' })).toThrow('ps has no field .Nmae; fields: Name, Image, Status, Ports, Names, ID');
  });
  it('a field that takes an argument says so', () => {
    expect(() => run('{{.Label}}', { Label: () => '' })).toThrow('.Label takes an argument: {{.Label "key"}}');
  });
  it('join of a string says to split it first', () => {
    expect(() => run('{{join .Name ","}}', { Name: 'a' })).toThrow(/join takes a list/);
  });
});

describe('formats: table, escapes, one line per row', () => {
  const rows: TemplateValue[] = [
    { Name: 'demo-web-1', Image: 'busybox:latest', Status: 'Up 2 seconds', Ports: '0.0.0.0:8080->80/tcp' },
    { Name: 'demo-db-1', Image: 'postgres', Status: 'Up 3 seconds', Ports: '' },
  ];

  it('a plain template gives one line per row', () => {
    expect(formatRows('{{.Name}}', rows, schema)).toBe('demo-web-1\ndemo-db-1\n');
  });

  it('the \\t and \\n escapes are read as the docker CLI reads them; spaces around the format are trimmed', () => {
    expect(formatRows('  {{.Name}}\\t{{.Status}}\\n  ', rows, schema)).toBe('demo-web-1\tUp 2 seconds\n\ndemo-db-1\tUp 3 seconds\n\n');
  });

  it('table: a header from the column names, columns at least 10 wide plus 3 of padding, the last column unpadded', () => {
    // As `docker ps --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}'` lays it out.
    expect(formatRows('table {{.Name}}\\t{{.Image}}\\t{{.Status}}\\t{{.Ports}}', rows, schema)).toBe(
      [
        'NAME         IMAGE            STATUS         PORTS',
        'demo-web-1   busybox:latest   Up 2 seconds   0.0.0.0:8080->80/tcp',
        'demo-db-1    postgres         Up 3 seconds   ',
        '',
      ].join('\n'),
    );
  });

  it('table: functions leave the header alone (the docker CLI HeaderFunctions), text around fields stays', () => {
    expect(formatRows('table {{.Name | upper}}\\t{{json .Status}}', rows.slice(0, 1), schema)).toBe('NAME         STATUS\nDEMO-WEB-1   "Up 2 seconds"\n');
    expect(formatRows('table name={{lower .Name}}', rows.slice(0, 1), schema)).toBe('name=NAME\nname=demo-web-1\n');
  });

  it('table with no rows is the header alone', () => {
    expect(formatRows('table {{.Name}}\\t{{.Status}}', [], schema)).toBe('NAME      STATUS\n');
  });

  it('parseFormat tells a table from a plain template', () => {
    expect(parseFormat('table {{.Name}}').table).toBe(true);
    expect(parseFormat('{{.Name}}').table).toBe(false);
  });
});

describe("tabwrite: Go's text/tabwriter with the docker CLI's settings", () => {
  it('aligns column blocks; a line without tabs ends the block', () => {
    expect(tabwrite('a\tb\tc\nlonger-cell\tx\ny\nz\tw\n')).toBe('a             b         c\nlonger-cell   x\ny\nz         w\n');
  });
  it('counts characters, not bytes', () => {
    expect(tabwrite('héllo\tx\n')).toBe('héllo     x\n');
  });
});
