import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { errorsOf, load, projectDir } from '../support/project.js';

const svc = (extra = '') => `services:\n  web:\n    image: busybox\n${extra}`;

describe('file forms', () => {
  it('reads the flat Fig form: services at the top level, net as network_mode', () => {
    const dir = projectDir({ 'fig.yml': 'web:\n  image: busybox\n  net: host\ndb:\n  image: busybox\n' });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(Object.keys(r.project!.services).sort()).toEqual(['db', 'web']);
    expect(r.project!.services.web!.network_mode).toBe('host');
  });

  it('reads the structured form and ignores version', () => {
    const dir = projectDir({ 'compose.yaml': `version: "3.8"\n${svc()}` });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.web!.image).toBe('busybox');
  });

  it('rejects net in the structured form as an unknown key, suggesting nothing wrong', () => {
    const dir = projectDir({ 'fig.yml': svc('    net: host\n') });
    expect(errorsOf(load(dir))).toEqual([{ code: 'UNKNOWN_KEY', line: 4, col: 5 }]);
  });

  it('treats a file with only include as structured', () => {
    const dir = projectDir({ 'fig.yml': 'include:\n  - other.yml\n', 'other.yml': svc() });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(Object.keys(r.project!.services)).toEqual(['web']);
  });
});

describe('file discovery', () => {
  it('takes the first of the default names, fig.yml before docker-compose.yml', () => {
    const dir = projectDir({ 'fig.yml': svc(), 'docker-compose.yml': 'services:\n  other:\n    image: x\n' });
    const r = load(dir);
    expect(Object.keys(r.project!.services)).toEqual(['web']);
    expect(r.diagnostics.some((d) => d.severity === 'warning' && d.code === 'CONFLICT')).toBe(true);
  });

  it('searches parent directories and uses the file directory as the project directory', () => {
    const dir = projectDir({ 'compose.yml': svc(), 'sub/deeper/.keep': '' }, 'parentproj');
    const r = load(join(dir, 'sub/deeper'));
    expect(r.project!.workingDir).toBe(dir);
    expect(r.project!.name).toBe('parentproj');
  });

  it('reports a missing project file', () => {
    const dir = projectDir({ 'README': 'x' });
    expect(errorsOf(load(dir))).toEqual([{ code: 'NO_PROJECT_FILE' }]);
  });

  it('reads TSFIG_FILE as a path-separator list', () => {
    const dir = projectDir({ 'a.yml': svc(), 'b.yml': 'services:\n  web:\n    command: echo b\n' });
    const r = load(dir, { env: { TSFIG_FILE: 'a.yml:b.yml' } });
    expect(r.project!.services.web!.command).toEqual(['echo', 'b']);
  });

  it('merges docker-compose.override.yml automatically, and refuses two override files', () => {
    const dir = projectDir({ 'docker-compose.yml': svc(), 'docker-compose.override.yml': 'services:\n  web:\n    user: nobody\n' });
    expect(load(dir).project!.services.web!.user).toBe('nobody');
    const dup = projectDir({ 'docker-compose.yml': svc(), 'docker-compose.override.yml': 'services: {}\n', 'docker-compose.override.yaml': 'services: {}\n' });
    expect(errorsOf(load(dup))).toEqual([{ code: 'DUPLICATE_OVERRIDE' }]);
  });

  it('--project-directory overrides the first file directory', () => {
    const dir = projectDir({ 'files/fig.yml': svc(), 'elsewhere/.env': 'X=1\n' });
    const r = load(dir, { files: ['files/fig.yml'], projectDirectory: 'elsewhere' });
    expect(r.project!.workingDir).toBe(join(dir, 'elsewhere'));
    expect(r.project!.name).toBe('elsewhere');
  });
});

describe('merging -f files', () => {
  const base = `services:
  web:
    image: busybox
    command: echo base
    ports: ["8080:80"]
    expose: ["1000"]
    dns: [1.1.1.1]
    environment:
      A: base
      B: base
    labels:
      l1: base
    volumes:
      - ./data:/data
      - /cache
    build:
      context: .
      args: {X: "1"}
networks:
  front: {}
`;
  const over = `services:
  web:
    image: busybox:1.36
    command: echo over
    ports: ["9090:90"]
    expose: ["2000"]
    dns: [9.9.9.9]
    environment:
      - B=over
      - C=over
    labels: [l2=over]
    volumes:
      - ./other:/data
    build:
      args: {Y: "2"}
networks:
  front:
    internal: true
`;
  it('replaces scalars, merges maps, appends ports/expose/dns, merges environment and labels by key', () => {
    const dir = projectDir({ 'a.yml': base, 'b.yml': over });
    const r = load(dir, { files: ['a.yml', 'b.yml'] });
    expect(errorsOf(r)).toEqual([]);
    const web = r.project!.services.web!;
    expect(web.image).toBe('busybox:1.36');
    expect(web.command).toEqual(['echo', 'over']);
    expect(web.ports.map((p) => `${p.published}:${p.target}`)).toEqual(['8080:80', '9090:90']);
    expect(web.expose).toEqual(['1000', '2000']);
    expect(web.dns).toEqual(['1.1.1.1', '9.9.9.9']);
    expect(web.environment).toEqual({ A: 'base', B: 'over', C: 'over' });
    expect(web.labels).toEqual({ l1: 'base', l2: 'over' });
    expect(web.volumes.map((v) => `${v.source ?? ''}:${v.target}`)).toEqual([`${join(dir, 'other')}:/data`, ':/cache']);
    expect(web.build?.args).toEqual({ X: '1', Y: '2' });
    expect(r.project!.networks.front!.internal).toBe(true);
  });

  it('resolves paths of every -f file against the project directory', () => {
    const dir = projectDir({ 'fig.yml': svc(), 'overrides/local.yml': 'services:\n  web:\n    volumes: ["./src:/src"]\n' });
    const r = load(dir, { files: ['fig.yml', 'overrides/local.yml'] });
    expect(r.project!.services.web!.volumes[0]!.source).toBe(join(dir, 'src'));
  });
});

describe('project name', () => {
  const file = 'name: fromfile\nservices:\n  web:\n    image: busybox\n';
  it('prefers -p, then TSFIG_PROJECT_NAME, then name:, then the directory', () => {
    const dir = projectDir({ 'fig.yml': file }, 'My_Dir.Name');
    expect(load(dir, { projectName: 'flag' }).project!.name).toBe('flag');
    expect(load(dir, { env: { TSFIG_PROJECT_NAME: 'envname' } }).project!.name).toBe('envname');
    expect(load(dir).project!.name).toBe('fromfile');
    const plain = projectDir({ 'fig.yml': svc() }, 'My_Dir.Name');
    expect(load(plain).project!.name).toBe('my_dirname');
  });

  it('rejects an invalid explicit name with the position of name:', () => {
    const dir = projectDir({ 'fig.yml': 'name: Bad Name\nservices:\n  web:\n    image: busybox\n' });
    expect(errorsOf(load(dir))).toEqual([{ code: 'INVALID_NAME', line: 1, col: 7 }]);
    expect(errorsOf(load(dir, { projectName: '-x' }))).toEqual([{ code: 'INVALID_NAME' }]);
  });

  it('takes TSFIG_PROJECT_NAME from .env', () => {
    const dir = projectDir({ 'fig.yml': svc(), '.env': 'TSFIG_PROJECT_NAME=dotenvname\n' });
    expect(load(dir).project!.name).toBe('dotenvname');
  });
});

describe('interpolation', () => {
  const file = 'services:\n  web:\n    image: ${IMAGE}\n    environment:\n      TAG: ${TAG:-latest}\n      LIT: $$HOME\n';
  it('reads .env, and the shell environment wins over it', () => {
    const dir = projectDir({ 'fig.yml': file, '.env': 'IMAGE=fromdotenv\nTAG=v1\n' });
    const r = load(dir);
    expect(r.project!.services.web!.image).toBe('fromdotenv');
    expect(r.project!.services.web!.environment).toEqual({ TAG: 'v1', LIT: '$HOME' });
    expect(load(dir, { env: { IMAGE: 'fromshell' } }).project!.services.web!.image).toBe('fromshell');
  });

  it('--env-file replaces .env', () => {
    const dir = projectDir({ 'fig.yml': file, '.env': 'IMAGE=fromdotenv\n', 'alt.env': 'IMAGE=fromalt\n' });
    const r = load(dir, { envFiles: ['alt.env'] });
    expect(r.project!.services.web!.image).toBe('fromalt');
    expect(r.project!.services.web!.environment.TAG).toBe('latest');
  });

  it('warns once about an unset variable and uses an empty string', () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    labels:\n      a: "${NOPE}"\n      b: "${NOPE}"\n' });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code === 'INTERP_UNSET')).toHaveLength(1);
    expect(r.project!.services.web!.labels).toEqual({ a: '', b: '' });
  });

  it('never interpolates keys', () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    labels:\n      $KEY: v\n', '.env': 'KEY=x\n' });
    expect(load(dir).project!.services.web!.labels).toEqual({ $KEY: 'v' });
  });

  it('${VAR:?msg} unset is an error at the value', () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n' });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([{ code: 'INTERP_REQUIRED', line: 3, col: 12 }]);
    expect(r.diagnostics[0]!.message).toContain('set IMAGE');
  });
});

describe('env_file', () => {
  it('feeds the container environment, under environment:, never interpolation', () => {
    const dir = projectDir({
      'fig.yml': 'services:\n  web:\n    image: busybox\n    env_file: [app.env, {path: opt.env, required: false}]\n    environment:\n      B: explicit\n',
      'app.env': '# comment\nexport A="quoted value"\nB=fromfile\nC=\'single\'\n',
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.web!.environment).toEqual({ A: 'quoted value', B: 'explicit', C: 'single' });
    expect(r.project!.services.web!.envFromFile?.sort()).toEqual(['A', 'C']);
  });

  it('a missing required env_file is an error at its position', () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    env_file:\n      - missing.env\n' });
    expect(errorsOf(load(dir))).toEqual([{ code: 'ENV_FILE_MISSING', line: 5, col: 9 }]);
  });
});

describe('extends', () => {
  it('extends a service of the same file and of another file, with paths relative to that file', () => {
    const dir = projectDir({
      'fig.yml': `services:
  base:
    image: busybox
    environment: {A: "1"}
  web:
    extends: base
    environment: {B: "2"}
  other:
    extends:
      file: common/base.yml
      service: shared
`,
      'common/base.yml': 'services:\n  shared:\n    build: ./ctx\n    volumes: ["./data:/data"]\n',
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.web!.environment).toEqual({ A: '1', B: '2' });
    expect(r.project!.services.web!.image).toBe('busybox');
    expect(r.project!.services.other!.build?.context).toBe(join(dir, 'common/ctx'));
    expect(r.project!.services.other!.volumes[0]!.source).toBe(join(dir, 'common/data'));
  });

  it('reports an extends cycle and an unknown base with a suggestion', () => {
    const cyc = projectDir({ 'fig.yml': 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n' });
    expect(errorsOf(load(cyc)).map((e) => e.code)).toEqual(['EXTENDS_CYCLE']);
    const unknown = projectDir({ 'fig.yml': 'services:\n  base:\n    image: busybox\n  web:\n    extends: bsae\n' });
    const r = load(unknown);
    expect(errorsOf(r)).toEqual([{ code: 'EXTENDS_UNKNOWN', line: 5, col: 14 }]);
    expect(r.diagnostics[0]!.hint).toContain('base');
  });
});

describe('normalization', () => {
  it('reads the numbers and booleans that interpolation leaves as strings, and list labels of networks and volumes, as compose does', () => {
    const r = load(
      projectDir({
        'fig.yml': `services:
  web:
    image: busybox
    build:
      context: .
      no_cache: \${NO_CACHE:-true}
      pull: "false"
    deploy:
      replicas: \${REPLICAS:-3}
      placement:
        max_replicas_per_node: "2"
networks:
  front:
    labels: ["team=web", "tier"]
    internal: \${INTERNAL:-false}
    attachable: "true"
volumes:
  data:
    labels: ["keep=yes"]
`,
      }),
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const web = r.project!.services.web!;
    expect(web.deploy?.replicas).toBe(3);
    expect((web.deploy?.placement as { max_replicas_per_node?: unknown }).max_replicas_per_node).toBe(2);
    expect(web.build?.no_cache).toBe(true);
    expect(web.build?.pull).toBe(false);
    expect(r.project!.networks.front!.labels).toEqual({ team: 'web', tier: '' });
    expect([r.project!.networks.front!.internal, r.project!.networks.front!.attachable]).toEqual([false, true]);
    expect(r.project!.volumes.data!.labels).toEqual({ keep: 'yes' });
  });

  it('a leading-zero number is octal, as compose\'s YAML parser reads it (mode: 0440); environment values stay as written', () => {
    const r = load(
      projectDir({
        'fig.yml': 'services:\n  web:\n    image: busybox\n    secrets: [{source: s, mode: 0440}, {source: t, mode: 0o400}]\n    environment: {A: 0755, B: 08}\nsecrets:\n  s: {file: ./s.txt}\n  t: {file: ./s.txt}\n',
        's.txt': 'x\n',
      }),
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const web = r.project!.services.web!;
    expect((web.secrets as Array<{ mode?: number }>).map((s) => s.mode)).toEqual([0o440, 0o400]);
    expect(web.environment).toEqual({ A: '0755', B: '08' });
  });

  it('a replicas that is not an integer is an error at its position', () => {
    const r = load(projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    deploy:\n      replicas: "two"\n' }));
    const e = r.diagnostics.find((d) => d.severity === 'error' && /replicas/.test(d.message));
    expect(e?.loc).toMatchObject({ line: 5, col: 17 });
  });

  it('normalizes ports, environment, links, depends_on, healthcheck and sizes', () => {
    const dir = projectDir({
      'fig.yml': `services:
  db:
    image: busybox
  web:
    image: busybox
    ports:
      - 22:22
      - "127.0.0.1::80"
      - 8000-8001:9000-9001/udp
      - target: 443
        published: "8443"
    environment: [FLAG=true, NUM=1.10, FROMSHELL, EMPTY=]
    links: [db, "db:database"]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: curl -f http://localhost
      interval: 1m30s
    mem_limit: 512m
    stop_grace_period: 5s
`,
    });
    const r = load(dir, { env: { FROMSHELL: 'shellvalue' } });
    expect(errorsOf(r)).toEqual([]);
    const web = r.project!.services.web!;
    expect(web.ports).toEqual([
      { target: 22, published: '22', protocol: 'tcp', mode: 'ingress' },
      { target: 80, host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' },
      { target: 9000, published: '8000', protocol: 'udp', mode: 'ingress' },
      { target: 9001, published: '8001', protocol: 'udp', mode: 'ingress' },
      { target: 443, published: '8443', protocol: 'tcp', mode: 'ingress' },
    ]);
    expect(web.environment).toEqual({ FLAG: 'true', NUM: '1.10', FROMSHELL: 'shellvalue', EMPTY: '' });
    expect(web.links).toEqual([
      { service: 'db', alias: 'db' },
      { service: 'db', alias: 'database' },
    ]);
    expect(web.depends_on).toEqual({ db: { condition: 'service_healthy', required: true } });
    expect(web.healthcheck).toMatchObject({ test: ['CMD-SHELL', 'curl -f http://localhost'], interval: 90e9 });
    expect(web.mem_limit).toBe(512 * 1024 * 1024);
    expect(web.stop_grace_period).toBe(5e9);
  });

  it('normalizes map environment values with their source text', () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    image: busybox\n    environment:\n      V: 1.10\n      B: true\n      N: null\n' });
    expect(load(dir).project!.services.web!.environment).toEqual({ V: '1.10', B: 'true', N: null });
  });

  it('resolves volume paths: relative, ~, named, anonymous, :ro', () => {
    const dir = projectDir({
      'fig.yml': 'services:\n  web:\n    image: busybox\n    volumes:\n      - ./src:/src:ro\n      - ~/cfg:/cfg\n      - data:/data\n      - /anon\nvolumes:\n  data: {}\n',
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.project!.services.web!.volumes).toMatchObject([
      { type: 'bind', source: join(dir, 'src'), target: '/src', read_only: true },
      { type: 'bind', source: '/home/u/cfg', target: '/cfg' },
      { type: 'volume', source: 'data', target: '/data' },
      { type: 'volume', target: '/anon' },
    ]);
    expect(r.project!.volumes.data!.name).toBe('proj_data');
  });

  it('adds the default network and names resources after the project', () => {
    const dir = projectDir({ 'fig.yml': svc() + 'networks:\n  ext:\n    external: true\n' });
    const r = load(dir);
    expect(r.project!.services.web!.networks).toEqual({ default: null });
    expect(r.project!.networks.default!.name).toBe('proj_default');
    expect(r.project!.networks.ext).toMatchObject({ name: 'ext', external: true });
  });

  it('resolves the files of hosts: entries against the project folder and leaves ~ to the connection', () => {
    const dir = projectDir({
      'fig.yml': [
        'hosts:',
        '  a: {docker: "tcp://10.0.0.2:2376", tls: {ca: certs/ca.pem, cert: /abs/cert.pem, key: ~/.docker/key.pem}}',
        '  b: {docker: "ssh://root@10.0.0.3", ssh: {identity: keys/id_ed25519, known_hosts: keys/known_hosts}}',
        '  c: {docker: "ssh://10.0.0.4", ssh: {identity: ~/.ssh/deploy, known_hosts: ~/.ssh/rig_hosts}}',
        '  d: {docker: "ssh://10.0.0.5", ssh: {known_hosts: /etc/ssh/ssh_known_hosts}}',
        'services:',
        '  web: {image: busybox, host: a}',
        '',
      ].join('\n'),
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
    expect(r.project!.hosts.a!.tls).toEqual({ ca: join(dir, 'certs/ca.pem'), cert: '/abs/cert.pem', key: '~/.docker/key.pem' });
    expect(r.project!.hosts.b!.ssh).toEqual({ identity: join(dir, 'keys/id_ed25519'), known_hosts: join(dir, 'keys/known_hosts') });
    expect(r.project!.hosts.c!.ssh).toEqual({ identity: '~/.ssh/deploy', known_hosts: '~/.ssh/rig_hosts' });
    expect(r.project!.hosts.d!.ssh).toEqual({ known_hosts: '/etc/ssh/ssh_known_hosts' });
  });

  it('warns about tls: on a host that is not tcp:// and ssh: on one that is not ssh://', () => {
    const dir = projectDir({
      'fig.yml': [
        'hosts:',
        '  a: {docker: "unix:///run/a.sock", tls: {ca: ca.pem}}',
        '  b: {docker: "tcp://10.0.0.3:2376", ssh: {known_hosts: kh}}',
        'services:',
        '  web: {image: busybox, host: a}',
        '',
      ].join('\n'),
    });
    const r = load(dir);
    expect(errorsOf(r)).toEqual([]);
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings.map((d) => [d.code, d.loc?.line])).toEqual([
      ['INVALID_VALUE', 2],
      ['INVALID_VALUE', 3],
    ]);
    expect(warnings[0]!.message).toMatch(/host "a": tls applies to tcp:\/\/ endpoints only/);
    expect(warnings[1]!.message).toMatch(/host "b": ssh applies to ssh:\/\/ endpoints only/);
  });

  it('turns build: PATH into an object with an absolute context', () => {
    const dir = projectDir({ 'fig.yml': 'services:\n  web:\n    build: ./app\n' });
    expect(load(dir).project!.services.web!.build).toEqual({ context: join(dir, 'app') });
  });
});

describe('profiles', () => {
  const file = 'services:\n  web:\n    image: busybox\n  debug:\n    image: busybox\n    profiles: [dev]\n';
  it('disables services of inactive profiles, enables them by --profile, TSFIG_PROFILES or by name', () => {
    const dir = projectDir({ 'fig.yml': file });
    expect(Object.keys(load(dir).project!.services)).toEqual(['web']);
    expect(Object.keys(load(dir, { profiles: ['dev'] }).project!.services).sort()).toEqual(['debug', 'web']);
    expect(Object.keys(load(dir, { env: { TSFIG_PROFILES: 'dev' } }).project!.services).sort()).toEqual(['debug', 'web']);
    expect(Object.keys(load(dir, { services: ['debug'] }).project!.services).sort()).toEqual(['debug', 'web']);
  });

  it('an enabled service depending on a disabled one is an error', () => {
    const dir = projectDir({ 'fig.yml': file + '  app:\n    image: busybox\n    depends_on: [debug]\n' });
    expect(errorsOf(load(dir))).toEqual([{ code: 'UNKNOWN_SERVICE', line: 9, col: 18 }]);
  });
});

describe('bad input: one clear error per problem, with positions', () => {
  const cases: Array<[string, Record<string, string>, Array<{ code: string; line?: number; col?: number }>]> = [
    ['YAML syntax error', { 'fig.yml': 'services:\n  web: [unclosed\n' }, [{ code: 'YAML_SYNTAX', line: 3, col: 1 }]],
    ['tab indentation', { 'fig.yml': 'services:\n\tweb:\n' }, [{ code: 'YAML_TAB', line: 2, col: 1 }]],
    ['duplicate keys', { 'fig.yml': 'services:\n  web:\n    image: a\n    image: b\n' }, [{ code: 'YAML_DUPLICATE_KEY', line: 4, col: 5 }]],
    ['unknown key', { 'fig.yml': 'services:\n  web:\n    imag: busybox\n' }, [{ code: 'UNKNOWN_KEY', line: 3, col: 5 }]],
    ['wrong type', { 'fig.yml': 'services:\n  web:\n    image: busybox\n    ports: 80\n' }, [{ code: 'WRONG_TYPE', line: 4, col: 12 }]],
    ['invalid port', { 'fig.yml': 'services:\n  web:\n    image: busybox\n    ports: ["99999:80"]\n' }, [{ code: 'INVALID_PORT', line: 4, col: 13 }]],
    ['neither image nor build', { 'fig.yml': 'services:\n  web:\n    command: echo\n' }, [{ code: 'NO_IMAGE', line: 2, col: 3 }]],
    ['dependency cycle', { 'fig.yml': 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    links: [a]\n' }, [{ code: 'DEPENDENCY_CYCLE', line: 4, col: 18 }]],
    ['unknown service', { 'fig.yml': 'services:\n  web:\n    image: x\n    links: [dbb]\n  db:\n    image: x\n' }, [{ code: 'UNKNOWN_SERVICE', line: 4, col: 13 }]],
    ['unknown network', { 'fig.yml': 'services:\n  web:\n    image: x\n    networks: [front]\n' }, [{ code: 'UNKNOWN_NETWORK', line: 4, col: 16 }]],
    ['unknown volume', { 'fig.yml': 'services:\n  web:\n    image: x\n    volumes: ["data:/d"]\n' }, [{ code: 'UNKNOWN_VOLUME', line: 4, col: 15 }]],
    ['multiple documents', { 'fig.yml': 'services: {}\n---\nservices: {}\n' }, [{ code: 'YAML_MULTIPLE_DOCS', line: 2, col: 1 }]],
    ['empty file', { 'fig.yml': '# nothing\n' }, [{ code: 'EMPTY_FILE', line: 1, col: 1 }]],
    ['a top-level scalar', { 'fig.yml': 'just a string\n' }, [{ code: 'WRONG_TYPE', line: 1, col: 1 }]],
  ];
  for (const [name, files, expected] of cases) {
    it(name, () => {
      expect(errorsOf(load(projectDir(files)))).toEqual(expected);
    });
  }

  it('suggests the key that was meant', () => {
    const r = load(projectDir({ 'fig.yml': 'services:\n  web:\n    imgae: busybox\n' }));
    expect(r.diagnostics[0]!.hint).toBe('did you mean "image"?');
  });

  it('stops alias bombs', () => {
    let text = 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let prev = 'a';
    for (const n of 'bcdefghi') {
      text += `x-${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = n;
    }
    text += 'services:\n  web:\n    image: busybox\n';
    expect(errorsOf(load(projectDir({ 'fig.yml': text }))).map((e) => e.code)).toEqual(['YAML_ALIAS_LIMIT']);
  });

  it('refuses documents that are too deep or too large', () => {
    const deep = 'x-deep: ' + '['.repeat(80) + ']'.repeat(80) + '\nservices: {}\n';
    expect(errorsOf(load(projectDir({ 'fig.yml': deep }))).map((e) => e.code)).toEqual(['YAML_TOO_DEEP']);
    const big = 'x-big: "' + 'a'.repeat(5 * 1024 * 1024) + '"\nservices: {}\n';
    expect(errorsOf(load(projectDir({ 'fig.yml': big }))).map((e) => e.code)).toEqual(['FILE_TOO_LARGE']);
  });

  it('reports every problem at once, sorted by position, across files', () => {
    const dir = projectDir({
      'b.yml': 'services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n    build: {context: ., unknown: 1}\n    imagee: x\n',
      'a.yml': 'services:\n  web:\n    volumes: ["rel:dir"]\n',
    });
    const codes = errorsOf(load(dir, { files: ['a.yml', 'b.yml'] }));
    expect(codes).toEqual([
      { code: 'INVALID_VOLUME', line: 3, col: 15 },
      { code: 'UNKNOWN_KEY', line: 6, col: 25 },
      { code: 'UNKNOWN_KEY', line: 7, col: 5 },
    ]);
  });
});
