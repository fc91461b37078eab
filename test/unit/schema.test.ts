import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';

// schema/fig.schema.json is the single source of truth for the keys of the structured form.
// These tests compile it exactly as the loader does (ajv strict) and pin its behaviour on
// valid and invalid snippets. Snippets are YAML (1.2 core schema, merge keys on), as users write them.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const schemaUrl = new URL('../../schema/fig.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as { [key: string]: Json };

const warnings: unknown[][] = [];
const logger = {
  log: (...args: unknown[]) => warnings.push(args),
  warn: (...args: unknown[]) => warnings.push(args),
  error: (...args: unknown[]) => warnings.push(args),
};
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, logger });
const validate: ValidateFunction = ajv.compile(schema);

function check(text: string): { ok: boolean; errors: ErrorObject[] } {
  const doc: unknown = YAML.parse(text, { merge: true });
  const ok = validate(doc);
  return { ok, errors: validate.errors ?? [] };
}

function summary(errors: ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath || '/'} ${e.keyword} ${e.message ?? ''}`).join('\n');
}

describe('fig.schema.json compiles', () => {
  it('compiles under ajv strict mode without warnings', () => {
    expect(warnings).toEqual([]);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('closes every object and allows x- keys wherever named keys are listed', () => {
    const problems: string[] = [];
    const walk = (node: Json, path: string): void => {
      if (Array.isArray(node)) {
        node.forEach((child, i) => walk(child, `${path}/${i}`));
        return;
      }
      if (node === null || typeof node !== 'object') return;
      if ('format' in node) problems.push(`${path}: uses format (needs ajv-formats)`);
      const type = node.type;
      const isObject = type === 'object' || (Array.isArray(type) && type.includes('object'));
      if ((isObject || 'properties' in node) && node.additionalProperties !== false) {
        problems.push(`${path}: additionalProperties is not false`);
      }
      if ('properties' in node) {
        const pattern = node.patternProperties;
        if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern) || !('^x-' in pattern)) {
          problems.push(`${path}: no ^x- patternProperties`);
        }
      }
      for (const [key, child] of Object.entries(node)) {
        if ((key === 'properties' || key === 'patternProperties' || key === 'definitions') && child && typeof child === 'object') {
          for (const [name, sub] of Object.entries(child)) walk(sub, `${path}/${key}/${name}`);
        } else {
          walk(child, `${path}/${key}`);
        }
      }
    };
    walk(schema, '#');
    expect(problems).toEqual([]);
  });

  it('lists every service key tsfig promises to accept', () => {
    const definitions = schema.definitions as { service: { properties: Record<string, Json> } };
    const keys = Object.keys(definitions.service.properties);
    const expected = [
      'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'label_file', 'labels', 'ports',
      'expose', 'volumes', 'volumes_from', 'links', 'external_links', 'depends_on', 'networks', 'network_mode',
      'dns', 'dns_search', 'dns_opt', 'extra_hosts', 'healthcheck', 'logging', 'deploy', 'develop', 'profiles',
      'scale', 'restart', 'stop_signal', 'stop_grace_period', 'mem_limit', 'memswap_limit', 'mem_reservation',
      'mem_swappiness', 'cpu_shares', 'cpus', 'cpuset', 'cpu_quota', 'cpu_period', 'cpu_rt_runtime',
      'cpu_rt_period', 'cpu_count', 'cpu_percent', 'pids_limit', 'shm_size', 'ulimits', 'oom_score_adj',
      'oom_kill_disable', 'blkio_config', 'device_cgroup_rules', 'devices', 'gpus', 'cap_add', 'cap_drop',
      'privileged', 'security_opt', 'read_only', 'sysctls', 'group_add', 'init', 'ipc', 'pid', 'uts',
      'userns_mode', 'cgroup', 'cgroup_parent', 'isolation', 'runtime', 'storage_opt', 'hostname', 'domainname',
      'user', 'working_dir', 'stdin_open', 'tty', 'mac_address', 'platform', 'container_name', 'tmpfs',
      'secrets', 'configs', 'annotations', 'attach', 'pull_policy', 'post_start', 'pre_stop', 'credential_spec',
      'extends', 'use_api_socket', 'provider', 'models', 'host',
      // legacy docker-compose v1/v2 keys
      'dockerfile', 'log_driver', 'log_opt', 'volume_driver',
    ];
    expect(keys).toEqual(expect.arrayContaining(expected));
    expect(keys).not.toContain('net');
  });
});

const validCases: [string, string][] = [
  ['a minimal service', `
services:
  web:
    image: busybox
`],
  ['version, name and an empty service list', `
version: "3.7"
name: demo
services: {}
`],
  ['an unquoted numeric version', `
version: 2.4
services:
  web: {image: busybox}
`],
  ['every short port form', `
services:
  web:
    image: busybox
    ports:
      - 80
      - "80"
      - 8080:80
      - "127.0.0.1:8080:80"
      - "127.0.0.1::80"
      - "8000-8010:8000-8010"
      - "9090-9091:8080-8081/udp"
      - "[::1]:8443:443/tcp"
      - "\${WEB_PORT}:80"
    expose: [3000, "3001", "4000-4010/udp"]
`],
  ['long port forms', `
services:
  web:
    image: busybox
    ports:
      - target: 80
        published: 8080
        host_ip: 127.0.0.1
        protocol: tcp
        mode: host
        name: http
        app_protocol: http
      - target: "443"
        published: "8443-8450"
      - {target: 53, protocol: udp, x-note: dns}
`],
  ['short and long volume forms', `
services:
  web:
    image: busybox
    volumes:
      - /var/lib/anonymous
      - ./data:/data:ro
      - data:/srv/data:rw,nocopy
      - type: bind
        source: ./src
        target: /src
        read_only: true
        consistency: cached
        bind: {propagation: rshared, create_host_path: true, selinux: z, recursive: readonly}
      - type: volume
        source: data
        target: /data
        volume: {nocopy: true, subpath: sub/dir, labels: {a: b}}
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 10000, mode: 1777}
      - type: tmpfs
        target: /run
        tmpfs: {size: 64m}
      - type: image
        source: alpine:3
        target: /alpine
        image: {subpath: etc}
      - {type: npipe, source: '\\\\.\\pipe\\docker_engine', target: '\\\\.\\pipe\\docker_engine'}
      - {type: cluster, source: group, target: /cluster, x-extra: 1}
    volumes_from: [db, "container:other:ro"]
volumes:
  data:
  other: {driver: local, driver_opts: {type: none, o: bind, device: /srv}, labels: [a=b], name: other-data}
  legacy: {external: {name: outside}}
  modern: {external: true, name: outside}
`],
  ['depends_on as a list and as a map with every condition', `
services:
  db: {image: postgres}
  cache: {image: redis}
  migrate: {image: app}
  web:
    image: app
    depends_on:
      db: {condition: service_healthy, restart: true}
      cache: {condition: service_started, required: false}
      migrate: {condition: service_completed_successfully}
  worker:
    image: app
    depends_on: [db, cache]
`],
  ['networks with ipam, external, overlay extras and per-service options', `
services:
  web:
    image: busybox
    networks:
      front:
      back:
        aliases: [api, api.internal]
        ipv4_address: 172.28.5.10
        ipv6_address: "2001:db8::10"
        link_local_ips: [169.254.8.8]
        mac_address: "02:42:ac:11:00:02"
        priority: 100
        gw_priority: 1
        driver_opts: {com.docker.network.endpoint.sysctls: "net.ipv4.conf.IFNAME.log_martians=1"}
        interface_name: eth1
  other:
    image: busybox
    networks: [front, back]
    network_mode: "service:web"
networks:
  front:
  back:
    driver: bridge
    driver_opts: {com.docker.network.bridge.name: br-back, mtu: 1400}
    ipam:
      driver: default
      config:
        - subnet: 172.28.0.0/16
          ip_range: 172.28.5.0/24
          gateway: 172.28.5.254
          aux_addresses: {host1: 172.28.1.5}
        - subnet: "2001:db8::/64"
      options: {foo: bar}
    internal: false
    enable_ipv6: true
    enable_ipv4: true
    attachable: true
    labels: {com.example.tier: back}
    x-note: kept
  mesh: {driver: overlay, mtu: 1400, vni: 4242}
  mesh2: {driver: overlay, mtu: "\${MTU}", vni: "\${VNI}"}
  outside: {external: true}
  legacy: {external: {name: old-net}}
`],
  ['hosts with tls and services placed on them', `
hosts:
  local: {docker: "unix:///var/run/docker.sock"}
  a:
    docker: tcp://10.0.0.2:2376
    tls: {ca: certs/ca.pem, cert: certs/cert.pem, key: certs/key.pem}
    address: 10.0.0.2
    mtu: 1500
    helper_image: busybox:latest
    x-rack: r1
  b: {docker: "ssh://admin@10.0.0.3", mtu: "\${UNDERLAY_MTU}", ssh: {identity: keys/id_ed25519, known_hosts: keys/known_hosts, x-note: kept}}
services:
  web: {image: busybox, host: a}
`],
  ['develop.watch with every action', `
services:
  web:
    build: .
    develop:
      watch:
        - {path: ./src, action: sync, target: /app/src, ignore: [node_modules/], include: "*.js", initial_sync: true}
        - {path: ./package.json, action: rebuild}
        - {path: ./conf, action: restart}
        - {path: ./static, action: sync+restart, target: /srv}
        - path: ./templates
          action: sync+exec
          target: /app/templates
          exec:
            command: [kill, -HUP, "1"]
            user: root
            privileged: false
            working_dir: /app
            environment: {RELOAD: "1"}
`],
  ['x- keys at every level, with anchors and merge keys', `
x-common: &common
  restart: unless-stopped
  logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}
services:
  web:
    <<: *common
    image: busybox
    x-owner: team-a
    build: {context: ., x-cache: warm}
    healthcheck: {test: [CMD, "true"], x-why: smoke}
    deploy: {replicas: 2, x-note: n}
    develop: {watch: [], x-note: n}
networks:
  n: {x-note: n}
volumes:
  v: {x-note: n}
secrets:
  s: {file: ./s.txt, x-note: n}
configs:
  c: {file: ./c.txt, x-note: n}
hosts:
  h: {docker: "unix:///run/docker.sock", x-note: n}
`],
  ['legacy docker-compose v1/v2 service keys', `
services:
  web:
    build: .
    dockerfile: Dockerfile-alternate
    log_driver: syslog
    log_opt: {syslog-address: "tcp://192.168.0.42:123"}
    volume_driver: local
    cpu_count: 2
    cpu_percent: 50
    mem_swappiness: 60
    memswap_limit: 1g
    external_links: [redis_1, project_db_1:mysql]
    links: [db, "db:database"]
  db: {image: postgres}
`],
  ['interpolated strings in numeric and boolean fields', `
services:
  web:
    image: busybox
    scale: "\${SCALE}"
    cpus: "0.5"
    mem_limit: 512m
    shm_size: "64m"
    privileged: "\${PRIV}"
    tty: "true"
    init: "false"
    healthcheck: {test: "wget -q localhost", interval: 10s, timeout: 1s, retries: "3", start_period: 5s, start_interval: 1s, disable: "false"}
    ports: [{target: "\${PORT}", published: "\${HOST_PORT}"}]
    restart: no
    stop_grace_period: 1m30s
    oom_score_adj: "\${OOM}"
`],
  ['the everyday service keys', `
services:
  web:
    image: example/web:1.0
    build:
      context: ./web
      dockerfile: Dockerfile
      dockerfile_inline: "FROM busybox"
      args: {VERSION: 1, DEBUG: true, EMPTY: null}
      target: prod
      labels: [a=b]
      network: host
      shm_size: 2g
      extra_hosts: ["somehost:162.242.195.82"]
      cache_from: [example/web:cache]
      cache_to: ["type=inline"]
      no_cache: true
      pull: true
      ssh: [default]
      secrets: [npmrc, {source: token, target: /run/secrets/token, uid: "1000", gid: "1000", mode: 0400}]
      platforms: [linux/amd64, linux/arm64]
      additional_contexts: {base: "docker-image://alpine:3"}
      isolation: default
      tags: ["example/web:latest"]
      privileged: false
      ulimits: {nofile: {soft: 1024, hard: 2048}}
      entitlements: [network.host]
      provenance: false
      sbom: "true"
    command: ["sh", "-c", "echo hi"]
    entrypoint: null
    environment:
      A: a
      N: 1
      B: true
      EMPTY: null
      PASSTHROUGH:
    env_file:
      - .env
      - {path: ./optional.env, required: false, format: raw}
    label_file: ./labels
    labels: {com.example.a: "1"}
    annotations: [com.example.note=x]
    dns: 8.8.8.8
    dns_search: [example.com]
    dns_opt: use-vc
    extra_hosts: {somehost: 162.242.195.82, dual: ["10.0.0.1", "::1"]}
    hostname: web
    domainname: example.com
    user: "1000:1000"
    working_dir: /app
    stdin_open: true
    tty: true
    mac_address: "02:42:ac:11:65:43"
    platform: linux/amd64
    container_name: my-web
    tmpfs: [/run, "/tmp:size=64m"]
    profiles: [debug]
    attach: false
    pull_policy: missing
    post_start: [{command: echo started}]
    pre_stop: [{command: [echo, stopping], user: root}]
    extends: {service: base, file: common.yml}
    use_api_socket: true
    secrets: [s, {source: s, target: /run/secrets/s2}]
    configs: [c]
    logging: {driver: none}
    stop_signal: SIGINT
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: [no-new-privileges]
    read_only: true
    sysctls: [net.core.somaxconn=1024]
    group_add: [audio, 1001]
    ipc: shareable
    pid: host
    uts: host
    userns_mode: host
    cgroup: private
    cgroup_parent: m-executor
    runtime: runc
    isolation: default
    storage_opt: {size: 20G}
    mem_reservation: 256m
    cpu_shares: 512
    cpuset: "0-1"
    cpu_quota: 50000
    cpu_period: 100000
    cpu_rt_runtime: 400ms
    cpu_rt_period: 1400us
    pids_limit: -1
    ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}
    oom_kill_disable: true
    blkio_config:
      weight: 300
      weight_device: [{path: /dev/sda, weight: 400}]
      device_read_bps: [{path: /dev/sda, rate: 12mb}]
      device_write_iops: [{path: /dev/sda, rate: 30}]
    device_cgroup_rules: ["c 1:3 mr"]
    devices: ["/dev/ttyUSB0:/dev/ttyUSB0", {source: /dev/sda, target: /dev/xvda, permissions: rwm}]
    gpus: all
    deploy:
      mode: replicated
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 50M, pids: 100}
        reservations:
          memory: 20M
          devices: [{driver: nvidia, count: all, capabilities: [gpu]}]
      restart_policy: {condition: on-failure, max_attempts: 3}
      update_config: {parallelism: 1, order: start-first}
    credential_spec: {file: spec.json}
    provider: {type: model, options: {model: ai/smollm2, flags: [a, 1, true]}}
    models: [llm]
  base:
    image: busybox
    extends: web
  gpu:
    image: busybox
    gpus: [{driver: nvidia, count: 1, capabilities: [gpu]}]
    models: {llm: {endpoint_var: LLM_URL, model_var: LLM_NAME}}
include:
  - other/compose.yaml
  - path: [a.yaml, b.yaml]
    env_file: a.env
    project_directory: other
secrets:
  s: {file: ./secret.txt}
  e: {environment: SECRET_VAR}
  x: {external: true, name: prod-secret}
  d: {driver: vault, driver_opts: {path: x}, labels: {a: b}, template_driver: golang}
configs:
  c: {content: "hello \${NAME}"}
  f: {file: ./c.conf, template_driver: golang}
  legacy: {external: {name: c-old}}
models:
  llm: {model: ai/smollm2, context_size: 4096, runtime_flags: ["--verbose"]}
`],
];

describe('valid snippets', () => {
  it.each(validCases)('accepts %s', (_name, text) => {
    const { ok, errors } = check(text);
    expect(ok, summary(errors)).toBe(true);
  });
});

type Expected = { keyword: string; instancePath: string; params?: Record<string, unknown> };

const invalidCases: [string, string, Expected][] = [
  ['an unknown service key', `
services:
  web: {image: busybox, imagee: busybox}
`, { keyword: 'additionalProperties', instancePath: '/services/web', params: { additionalProperty: 'imagee' } }],
  ["Fig's net in a structured file", `
services:
  web: {image: busybox, net: host}
`, { keyword: 'additionalProperties', instancePath: '/services/web', params: { additionalProperty: 'net' } }],
  ['an unknown top-level key', `
service:
  web: {image: busybox}
`, { keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'service' } }],
  ['ports given as a string', `
services:
  web: {image: busybox, ports: "80:80"}
`, { keyword: 'type', instancePath: '/services/web/ports' }],
  ['an unknown key in a long port', `
services:
  web:
    image: busybox
    ports: [{target: 80, host: 8080}]
`, { keyword: 'additionalProperties', instancePath: '/services/web/ports/0', params: { additionalProperty: 'host' } }],
  ['a bad depends_on condition', `
services:
  db: {image: postgres}
  web:
    image: busybox
    depends_on: {db: {condition: service_ready}}
`, { keyword: 'enum', instancePath: '/services/web/depends_on/db/condition' }],
  ['a depends_on entry without condition', `
services:
  db: {image: postgres}
  web:
    image: busybox
    depends_on: {db: {restart: true}}
`, { keyword: 'required', instancePath: '/services/web/depends_on/db', params: { missingProperty: 'condition' } }],
  ['a host without docker', `
hosts:
  a: {address: 10.0.0.2}
`, { keyword: 'required', instancePath: '/hosts/a', params: { missingProperty: 'docker' } }],
  ['a host with an unsupported endpoint scheme', `
hosts:
  a: {docker: "http://10.0.0.2:2375"}
`, { keyword: 'pattern', instancePath: '/hosts/a/docker' }],
  ['an unknown host key', `
hosts:
  a: {docker: "tcp://10.0.0.2:2376", tlsverify: true}
`, { keyword: 'additionalProperties', instancePath: '/hosts/a', params: { additionalProperty: 'tlsverify' } }],
  ['an unknown tls key', `
hosts:
  a: {docker: "tcp://10.0.0.2:2376", tls: {ca: ca.pem, verify: true}}
`, { keyword: 'additionalProperties', instancePath: '/hosts/a/tls', params: { additionalProperty: 'verify' } }],
  ['an unknown ssh key', `
hosts:
  a: {docker: "ssh://10.0.0.3", ssh: {identity: id, password: x}}
`, { keyword: 'additionalProperties', instancePath: '/hosts/a/ssh', params: { additionalProperty: 'password' } }],
  ['a known_hosts that is not a path (there is no switch to turn the host key check off)', `
hosts:
  a: {docker: "ssh://10.0.0.3", ssh: {known_hosts: false}}
`, { keyword: 'type', instancePath: '/hosts/a/ssh/known_hosts' }],
  ['a bad develop.watch action', `
services:
  web:
    build: .
    develop: {watch: [{path: ./src, action: copy}]}
`, { keyword: 'enum', instancePath: '/services/web/develop/watch/0/action' }],
  ['a watch rule without path', `
services:
  web:
    build: .
    develop: {watch: [{action: rebuild}]}
`, { keyword: 'required', instancePath: '/services/web/develop/watch/0', params: { missingProperty: 'path' } }],
  ['restart given as a number', `
services:
  web: {image: busybox, restart: 3}
`, { keyword: 'type', instancePath: '/services/web/restart' }],
  ['a service that is not a mapping', `
services:
  web:
`, { keyword: 'type', instancePath: '/services/web' }],
  ['a service name with a space', `
services:
  web app: {image: busybox}
`, { keyword: 'additionalProperties', instancePath: '/services', params: { additionalProperty: 'web app' } }],
  ['a long volume without type', `
services:
  web:
    image: busybox
    volumes: [{source: data, target: /data}]
`, { keyword: 'required', instancePath: '/services/web/volumes/0', params: { missingProperty: 'type' } }],
  ['a long volume with a bad type', `
services:
  web:
    image: busybox
    volumes: [{type: nfs, source: data, target: /data}]
`, { keyword: 'enum', instancePath: '/services/web/volumes/0/type' }],
  ['an environment map with a nested value', `
services:
  web:
    image: busybox
    environment: {A: {b: c}}
`, { keyword: 'type', instancePath: '/services/web/environment/A' }],
  ['an unknown build key', `
services:
  web:
    build: {context: ., dockerfil: Dockerfile}
`, { keyword: 'additionalProperties', instancePath: '/services/web/build', params: { additionalProperty: 'dockerfil' } }],
  ['an unknown healthcheck key', `
services:
  web:
    image: busybox
    healthcheck: {test: "true", every: 5s}
`, { keyword: 'additionalProperties', instancePath: '/services/web/healthcheck', params: { additionalProperty: 'every' } }],
  ['an unknown network key', `
networks:
  n: {driver: overlay, vxlan_id: 42}
`, { keyword: 'additionalProperties', instancePath: '/networks/n', params: { additionalProperty: 'vxlan_id' } }],
  ['an unknown ipam config key', `
networks:
  n:
    ipam: {config: [{subnet: 10.0.0.0/24, range: 10.0.0.0/25}]}
`, { keyword: 'additionalProperties', instancePath: '/networks/n/ipam/config/0', params: { additionalProperty: 'range' } }],
  ['a VNI out of range', `
networks:
  n: {driver: overlay, vni: 16777216}
`, { keyword: 'maximum', instancePath: '/networks/n/vni' }],
  ['an unknown volume key', `
volumes:
  v: {driver: local, size: 1g}
`, { keyword: 'additionalProperties', instancePath: '/volumes/v', params: { additionalProperty: 'size' } }],
  ['a bad pull_policy', `
services:
  web: {image: busybox, pull_policy: sometimes}
`, { keyword: 'pattern', instancePath: '/services/web/pull_policy' }],
  ['a bad cgroup mode', `
services:
  web: {image: busybox, cgroup: shared}
`, { keyword: 'enum', instancePath: '/services/web/cgroup' }],
  ['a ulimit with only a soft limit', `
services:
  web:
    image: busybox
    ulimits: {nofile: {soft: 1024}}
`, { keyword: 'required', instancePath: '/services/web/ulimits/nofile', params: { missingProperty: 'hard' } }],
  ['a non-x- key at top level of a secret', `
secrets:
  s: {file: ./s.txt, mode: 0400}
`, { keyword: 'additionalProperties', instancePath: '/secrets/s', params: { additionalProperty: 'mode' } }],
  ['a non-string host reference', `
services:
  web: {image: busybox, host: [a, b]}
`, { keyword: 'type', instancePath: '/services/web/host' }],
];

describe('invalid snippets', () => {
  it.each(invalidCases)('rejects %s', (_name, text, expected) => {
    const { ok, errors } = check(text);
    expect(ok).toBe(false);
    const match = expect.objectContaining({
      keyword: expected.keyword,
      instancePath: expected.instancePath,
      ...(expected.params ? { params: expect.objectContaining(expected.params) } : {}),
    }) as unknown;
    expect(errors, summary(errors)).toContainEqual(match);
  });
});
