/** Keys of a service a swarm cannot honour: each one a warning naming the key and what to do (nothing dropped silently). */
import { diagAt, type Diagnostic } from '../../model/diagnostic.js';
import type { Project, Service } from '../../model/project.js';

const ADVICE: Partial<Record<keyof Service, string>> = {
  build: 'a swarm runs images from a registry: build and push the image first (tsfig build, tsfig push), then set image:',
  links: 'services reach each other by service name on the stack\'s networks: drop links',
  external_links: 'attach the service to the other stack\'s network (external: true) and use its names',
  container_name: 'a swarm names its tasks itself (<project>_<service>.<slot>): drop container_name',
  network_mode: 'swarm services join overlay networks: use networks:',
  volumes_from: 'use a named volume on both services instead',
  restart: 'use deploy.restart_policy (condition: none, on-failure or any)',
  privileged: 'swarm services cannot be privileged: use cap_add for the capabilities needed',
  devices: 'swarm services cannot map devices',
  pid: 'swarm services cannot share a pid namespace',
  ipc: 'swarm services cannot share an ipc namespace',
  cgroup_parent: 'swarm services cannot choose a cgroup parent',
  userns_mode: 'set the user namespace on the nodes\' dockerd',
  security_opt: 'swarm services take no security_opt',
  mem_limit: 'use deploy.resources.limits.memory',
  memswap_limit: 'swarm services take no swap limit',
  mem_reservation: 'use deploy.resources.reservations.memory',
  cpus: 'use deploy.resources.limits.cpus',
  cpu_shares: 'use deploy.resources.reservations.cpus',
  cpuset: 'swarm services take no cpuset',
  cpu_quota: 'use deploy.resources.limits.cpus',
  pids_limit: 'use deploy.resources.limits.pids',
  shm_size: 'mount a tmpfs at /dev/shm (volumes: type tmpfs) instead',
  tmpfs: 'use volumes: with type: tmpfs',
  gpus: 'use deploy.resources.reservations.generic_resources',
  oom_score_adj: 'swarm services take no oom_score_adj',
  oom_kill_disable: 'swarm services take no oom_kill_disable',
  blkio_config: 'swarm services take no blkio_config',
  storage_opt: 'swarm services take no storage_opt',
  uts: 'swarm services cannot share the host\'s uts namespace',
  runtime: 'set the runtime on the nodes\' dockerd',
  mac_address: 'a swarm gives each task its own address',
  post_start: 'swarm services have no lifecycle hooks: run the command in the entrypoint',
  pre_stop: 'swarm services have no lifecycle hooks: handle stop_signal in the program',
  pull_policy: 'a swarm pulls on the node that runs a task: drop pull_policy',
};

export function ignoredKeys(project: Project, svc: Service): Diagnostic[] {
  const out: Diagnostic[] = [];
  const warn = (path: Array<string | number>, message: string) => out.push(diagAt(project, ['services', svc.name, ...path], 'PLAN_SWARM_IGNORED', `service ${svc.name}: ${message}`, 'warning'));
  for (const [key, advice] of Object.entries(ADVICE) as Array<[keyof Service, string]>) {
    const v = svc[key];
    if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) continue;
    if (key === 'restart' && v === 'no') continue;
    warn([key], `${key} is ignored on a swarm: ${advice}`);
  }
  const conditions = Object.entries(svc.depends_on);
  if (conditions.length) warn(['depends_on'], `depends_on is ignored on a swarm (services start in no order, conditions are not waited for): make each service retry what it depends on, and use healthchecks`);
  svc.ports.forEach((p, i) => {
    if (p.host_ip !== undefined) warn(['ports', i], `ports[${i}].host_ip ${p.host_ip} is ignored on a swarm: a published port listens on every address of the node`);
  });
  if (svc.healthcheck?.start_interval !== undefined) warn(['healthcheck', 'start_interval'], 'healthcheck.start_interval needs Engine API 1.44: it is left out');
  if (svc.deploy?.resources?.reservations?.devices?.length) warn(['deploy', 'resources', 'reservations', 'devices'], 'deploy.resources.reservations.devices is ignored on a swarm: use generic_resources');
  return out;
}
