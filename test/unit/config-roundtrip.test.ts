/**
 * Issue 14: `tsfig config` prints the same project. Its output, loaded again as `-f -` would
 * load it, gives an identical `config --format json`, for every example, the repository's own
 * project, every project file of the e2e fixtures, and a file that uses every kind of value
 * the loader rewrites. (scripts/conformance.ts runs the same round trip over the corpus.)
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../support/project.js';
import { configRoundTrip } from '../support/roundtrip.js';

const root = resolve(import.meta.dirname, '../..');
const env = { HOME: '/home/u', PATH: '/usr/bin' };

function projectFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...projectFiles(p));
    else if (/^(fig|compose|docker-compose)(\.[\w-]+)?\.ya?ml$/.test(e)) out.push(p);
  }
  return out.sort();
}

async function expectRoundTrip(load: Parameters<typeof configRoundTrip>[0]): Promise<void> {
  const r = await configRoundTrip(load);
  expect(r.after).toBe(r.before);
}

/** Fixtures that are invalid on purpose (the tests of config errors use them). */
const INVALID: Record<string, RegExp> = {
  'test/e2e/testdata/bad-config/fig.yml': /bogus/,
  'test/e2e/testdata/config-error/fig.yml': /bogus/,
  'test/e2e/testdata/canaries/fig.bad.yml': /size "\$\{MEM\}" is not valid/,
};

describe('config round trip: the output loads to the same project', () => {
  const all = [...projectFiles(join(root, 'examples')), ...projectFiles(join(root, 'test/e2e/testdata'))];
  // An override file is loaded with the file beside it: its folder is loaded as tsfig finds it.
  const overrides = all.filter((f) => /\.override\.ya?ml$/.test(f)).map(dirname);
  const fixtures = all.filter((f) => !/\.override\.ya?ml$/.test(f) && !(relative(root, f) in INVALID));

  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(60);
    expect(overrides.length).toBeGreaterThan(0);
  });

  for (const file of fixtures) {
    it(relative(root, file), async () => {
      await expectRoundTrip({ cwd: dirname(file), env, homeDir: '/home/u', files: [file] });
    });
  }

  for (const dir of overrides) {
    it(`${relative(root, dir)} (with its override file)`, async () => {
      await expectRoundTrip({ cwd: dir, env, homeDir: '/home/u' });
    });
  }

  for (const [rel, why] of Object.entries(INVALID)) {
    it(`${rel} is still invalid (so leaving it out skips nothing)`, async () => {
      await expect(configRoundTrip({ cwd: dirname(join(root, rel)), env, homeDir: '/home/u', files: [join(root, rel)] })).rejects.toThrow(why);
    });
  }

  it("the repository's own fig.yml, found from its directory", async () => {
    await expectRoundTrip({ cwd: root, env, homeDir: '/home/u' });
  });

  it('a file with every kind of value the loader rewrites', async () => {
    const dir = projectDir({
      'fig.yml': [
        'name: rich',
        'x-common: &common {restart: unless-stopped}',
        'services:',
        '  web:',
        '    <<: *common',
        '    build: {context: ./app, args: [A=1, B], labels: [l=1], x-build-note: yes}',
        '    image: reg.example:5000/web:${TAG:-1.0}',
        '    command: sh -c "echo $$HOME ${GREETING} $${NOT_A_VAR}; wait $$!"',
        '    entrypoint: ["/bin/tini", "--"]',
        '    environment: [PLAIN=1, FROM_SHELL, "DOLLAR=a$$b", EMPTY=]',
        '    env_file: [web.env]',
        '    labels: {com.example.cost: "${COST}", "no": "no"}',
        '    ports: ["8080:80", "127.0.0.1:9000-9001:9000-9001/udp", {target: 443, published: "8443", mode: host}]',
        '    expose: [3000, "3001"]',
        '    volumes: ["./data:/data:ro", "cache:/cache:nocopy", {type: tmpfs, target: /tmp, tmpfs: {size: 64m}}, "/anon"]',
        '    healthcheck: {test: curl -f http://localhost, interval: 1m30s, timeout: 10s, start_period: 1s, retries: 3}',
        '    stop_grace_period: 1m',
        '    mem_limit: 512m',
        '    shm_size: 64M',
        '    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}',
        '    sysctls: [net.core.somaxconn=1024]',
        '    extra_hosts: ["somehost:162.242.195.82", "other=10.0.0.1"]',
        '    depends_on: {db: {condition: service_healthy}}',
        '    links: [db, "db:database"]',
        '    networks: {front: {aliases: [w]}, back: null}',
        '    secrets: [token, {source: cert, target: /etc/cert.pem, mode: 0400}]',
        '    configs: [conf]',
        '    logging: {driver: json-file, options: {max-size: 10m}}',
        '    x-tier: front',
        '  db:',
        '    image: postgres:16',
        '    environment: {POSTGRES_PASSWORD: "${DB_PASSWORD:?set it}"}',
        '    healthcheck: {test: [CMD, pg_isready], interval: 5s}',
        '    volumes: [db:/var/lib/postgresql/data]',
        '    networks: [back]',
        '    profiles: [all]',
        '  worker:',
        '    extends: {service: web}',
        '    command: ["run", "$$1"]',
        '    ports: !reset []',
        '    profiles: [all]',
        'networks:',
        '  front: {}',
        '  back: {internal: true, labels: [tier=back]}',
        '  outside: {external: true, name: shared}',
        'volumes:',
        '  cache: {}',
        '  db: {driver_opts: {type: none, o: bind, device: /srv/db}}',
        'secrets:',
        '  token: {file: ./token.txt}',
        '  cert: {environment: CERT}',
        'configs:',
        '  conf: {content: "port=$${PORT}"}',
        'x-deploy-note: kept',
        '',
      ].join('\n'),
      'web.env': "FROM_FILE='secret$value'\nAPI_TOKEN=abc\n",
      '.env': "GREETING='hello $USER'\nCOMPOSE_PROFILES=all\nDB_PASSWORD=pa$$word\n",
      'token.txt': 't\n',
      'app/Dockerfile': 'FROM busybox\n',
    });
    const r = await configRoundTrip({ cwd: dir, env: { ...env, FROM_SHELL: 'x$y', COST: '$5' }, homeDir: '/home/u' });
    expect(r.after).toBe(r.before);
    // The values went out as loaded and came back the same: nothing was interpolated twice.
    const p = JSON.parse(r.after);
    expect(p.services.web.environment).toMatchObject({ FROM_SHELL: 'x$$y', DOLLAR: 'a$$b', FROM_FILE: 'secret$$value', API_TOKEN: 'abc' });
    expect(p.services.web.command).toEqual(['sh', '-c', 'echo $$HOME hello $$USER $${NOT_A_VAR}; wait $$!']);
    expect(p.services.worker.command).toEqual(['run', '$$1']);
    expect(p.services.web.labels['com.example.cost']).toBe('$$5');
  });
});
