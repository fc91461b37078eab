/**
 * The config hash is stored on every container: a change of its input recreates every user's
 * containers on upgrade. These values were computed before the model was typed (issue 13) and
 * must never change without a HASH_VERSION bump.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderProject } from '../../src/config/output.js';
import { redactedConfig, serviceConfigHash } from '../../src/model/hash.js';
import { errorsOf, load, projectDir } from '../support/project.js';

const RICH = `name: pinned
services:
  web:
    image: registry.example.com:5000/team/web:1.2
    build:
      context: /srv/web
      args: [A=1]
      x-build-note: kept
    pull_policy: always
    platform: linux/amd64
    command: ["sh", "-c", "echo hi"]
    entrypoint: /bin/entry
    working_dir: /app
    user: "1000:1000"
    environment:
      PLAIN: value
      DB_PASSWORD: hunter2
      EMPTY:
    env_file: web.env
    labels: [com.example.a=1, com.example.b]
    annotations: {org.example.note: "x"}
    ports: ["127.0.0.1:8080:80/tcp", {target: 443, published: "8443", protocol: tcp, mode: host}]
    expose: ["9000", 9001]
    volumes:
      - /srv/data:/data:ro
      - {type: volume, source: cache, target: /cache, volume: {nocopy: true}}
      - {type: tmpfs, target: /scratch, tmpfs: {size: 64m}}
      - /anon
    volumes_from: ["db:ro"]
    links: [db, "db:database"]
    external_links: [other_c:alias]
    depends_on:
      db: {condition: service_healthy, restart: true}
    networks:
      front: {aliases: [w], ipv4_address: 172.28.0.10, priority: 100, x-net-note: 1}
      back:
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
      timeout: 2s
      retries: 3
      start_period: 1m
    dns: 8.8.8.8
    dns_search: [example.com]
    dns_opt: [ndots:2]
    extra_hosts: ["somehost:162.242.195.82", "other=10.0.0.1"]
    tmpfs: /run
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    security_opt: [no-new-privileges]
    group_add: [audio, 44]
    device_cgroup_rules: ["c 1:3 mr"]
    devices: ["/dev/null:/dev/nil:rw", {source: /dev/zero, target: /dev/z, permissions: r}]
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
    sysctls: [net.core.somaxconn=1024]
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    restart: on-failure:3
    init: true
    tty: "true"
    stdin_open: false
    privileged: false
    read_only: true
    oom_kill_disable: true
    mem_limit: 512m
    mem_reservation: 128m
    memswap_limit: -1
    mem_swappiness: 10
    shm_size: 64m
    cpus: 1.5
    cpu_shares: 512
    cpu_quota: 50000
    cpu_period: 100000
    cpu_rt_runtime: 400ms
    cpu_rt_period: 1400
    cpuset: "0-1"
    pids_limit: 100
    oom_score_adj: -500
    blkio_config: {weight: 300, device_read_bps: [{path: /dev/sda, rate: 12mb}]}
    storage_opt: {size: 1G}
    logging: {driver: json-file, options: {max-size: 10m}}
    hostname: web
    domainname: example.com
    mac_address: 02:42:ac:11:65:43
    ipc: shareable
    uts: host
    cgroup: private
    cgroup_parent: /tsfig
    runtime: runc
    secrets: [token, {source: cert, target: /etc/cert.pem, mode: 400}]
    configs: [conf]
    deploy:
      replicas: 2
      resources: {limits: {cpus: "0.5", memory: 256M}, reservations: {memory: 64M}}
      restart_policy: {condition: on-failure, max_attempts: 2}
      labels: {x: y}
    develop:
      watch:
        - {path: /srv/web/src, action: sync, target: /app/src, ignore: node_modules}
    post_start: [{command: echo started}]
    profiles: []
    scale: 2
    x-team: {owner: web}
    x-tier: front
  db:
    image: busybox
    healthcheck: {test: "true"}
networks:
  front:
    ipam: {config: [{subnet: 172.28.0.0/16}]}
  back: {}
volumes:
  cache: {}
secrets:
  token: {file: /srv/token}
  cert: {file: /srv/cert}
configs:
  conf: {file: /srv/conf}
x-top: 1
`;

const testdata = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');

function rich() {
  const r = load(projectDir({ 'fig.yml': RICH, 'web.env': 'FROM_FILE=1\nAPI_TOKEN=abc\n' }));
  expect(errorsOf(r)).toEqual([]);
  return r.project!;
}

describe('x-* keys of a service', () => {
  it('are in extensions (of the service and of its build), not among the typed keys', () => {
    const web = rich().services.web!;
    expect(web.extensions).toEqual({ 'x-team': { owner: 'web' }, 'x-tier': 'front' });
    expect(web.build?.extensions).toEqual({ 'x-build-note': 'kept' });
    expect(Object.keys(web).filter((k) => k.startsWith('x-'))).toEqual([]);
    expect(Object.keys(web.build!).filter((k) => k.startsWith('x-'))).toEqual([]);
    expect(rich().services.db!.extensions).toBeUndefined();
  });
});

describe('the config hash of a rich service', () => {
  it('is the value it had before the model was typed', () => {
    const p = rich();
    expect(serviceConfigHash(p.services.web!)).toBe('edaeccf61f1fe22a8f88828f9d804d40fbf6c5a4e9e35189ed0df3bb4b2b15e3');
    expect(serviceConfigHash(p.services.web!, 'sha256:0123')).toBe('2b45e58850640b49f304674424379899c92c82e7764bc1cbb4075291209c442d');
    expect(serviceConfigHash(p.services.db!)).toBe('4bff919ba47aaa0821e1c546ec73b6d768a976e0a9b42b76b16162e24626360f');
  });

  it('stores the same redacted config label', () => {
    expect(redactedConfig(rich().services.web!)).toBe(
      "{\"annotations\":{\"org.example.note\":\"x\"},\"blkio_config\":{\"device_read_bps\":[{\"path\":\"/dev/sda\",\"rate\":\"12mb\"}],\"weight\":300},\"cap_add\":[\"NET_ADMIN\"],\"cap_drop\":[\"MKNOD\"],\"cgroup\":\"private\",\"cgroup_parent\":\"/tsfig\",\"command\":[\"sh\",\"-c\",\"echo hi\"],\"configs\":[\"conf\"],\"cpu_period\":100000,\"cpu_quota\":50000,\"cpu_rt_period\":1400,\"cpu_rt_runtime\":\"400ms\",\"cpu_shares\":512,\"cpus\":1.5,\"cpuset\":\"0-1\",\"deploy\":{\"labels\":{\"x\":\"y\"},\"resources\":{\"limits\":{\"cpus\":\"0.5\",\"memory\":\"256M\"},\"reservations\":{\"memory\":\"64M\"}},\"restart_policy\":{\"condition\":\"on-failure\",\"max_attempts\":2}},\"device_cgroup_rules\":[\"c 1:3 mr\"],\"devices\":[\"/dev/null:/dev/nil:rw\",{\"permissions\":\"r\",\"source\":\"/dev/zero\",\"target\":\"/dev/z\"}],\"dns\":[\"8.8.8.8\"],\"dns_opt\":[\"ndots:2\"],\"dns_search\":[\"example.com\"],\"domainname\":\"example.com\",\"entrypoint\":[\"/bin/entry\"],\"environment\":{\"API_TOKEN\":\"sha256:ba7816bf8f01\",\"DB_PASSWORD\":\"sha256:f52fbd32b2b3\",\"EMPTY\":null,\"FROM_FILE\":\"sha256:6b86b273ff34\",\"PLAIN\":\"sha256:cd42404d52ad\"},\"expose\":[\"9000\",\"9001\"],\"external_links\":[\"other_c:alias\"],\"extra_hosts\":[\"somehost:162.242.195.82\",\"other:10.0.0.1\"],\"group_add\":[\"audio\",\"44\"],\"healthcheck\":{\"interval\":5000000000,\"retries\":3,\"start_period\":60000000000,\"test\":[\"CMD\",\"true\"],\"timeout\":2000000000},\"hostname\":\"web\",\"image\":\"registry.example.com:5000/team/web:1.2\",\"init\":true,\"ipc\":\"shareable\",\"labels\":{\"com.example.a\":\"1\",\"com.example.b\":\"\"},\"links\":[{\"alias\":\"db\",\"service\":\"db\"},{\"alias\":\"database\",\"service\":\"db\"}],\"logging\":{\"driver\":\"json-file\",\"options\":{\"max-size\":\"10m\"}},\"mac_address\":\"02:42:ac:11:65:43\",\"mem_limit\":536870912,\"mem_reservation\":134217728,\"mem_swappiness\":10,\"memswap_limit\":-1,\"name\":\"web\",\"networks\":{\"back\":null,\"front\":{\"aliases\":[\"w\"],\"ipv4_address\":\"172.28.0.10\",\"priority\":100,\"x-net-note\":1}},\"oom_kill_disable\":true,\"oom_score_adj\":-500,\"pids_limit\":100,\"platform\":\"linux/amd64\",\"ports\":[{\"host_ip\":\"127.0.0.1\",\"mode\":\"ingress\",\"protocol\":\"tcp\",\"published\":\"8080\",\"target\":80},{\"mode\":\"host\",\"protocol\":\"tcp\",\"published\":\"8443\",\"target\":443}],\"post_start\":[{\"command\":\"echo started\"}],\"privileged\":false,\"read_only\":true,\"restart\":\"on-failure:3\",\"runtime\":\"runc\",\"secrets\":[\"token\",{\"mode\":400,\"source\":\"cert\",\"target\":\"/etc/cert.pem\"}],\"security_opt\":[\"no-new-privileges\"],\"shm_size\":67108864,\"stdin_open\":false,\"stop_grace_period\":90000000000,\"stop_signal\":\"SIGINT\",\"storage_opt\":{\"size\":\"1G\"},\"sysctls\":{\"net.core.somaxconn\":\"1024\"},\"tmpfs\":[\"/run\"],\"tty\":true,\"ulimits\":{\"nofile\":{\"hard\":2048,\"soft\":1024},\"nproc\":512},\"user\":\"1000:1000\",\"uts\":\"host\",\"volumes\":[{\"bind\":{\"create_host_path\":true},\"read_only\":true,\"source\":\"/srv/data\",\"target\":\"/data\",\"type\":\"bind\"},{\"source\":\"cache\",\"target\":\"/cache\",\"type\":\"volume\",\"volume\":{\"nocopy\":true}},{\"target\":\"/scratch\",\"tmpfs\":{\"size\":67108864},\"type\":\"tmpfs\"},{\"target\":\"/anon\",\"type\":\"volume\",\"volume\":{}}],\"volumes_from\":[\"db:ro\"],\"working_dir\":\"/app\",\"x-team\":{\"owner\":\"web\"},\"x-tier\":\"front\"}",
    );
  });

  it('renders the same tsfig config output', () => {
    const p = rich();
    expect(renderProject(p, 'yaml')).toBe(testdata('pinned-rich-config.yaml'));
    expect(renderProject(p, 'json')).toBe(testdata('pinned-rich-config-secrets.json'));
  });
});
