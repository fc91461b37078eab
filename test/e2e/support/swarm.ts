/**
 * The swarm rig of the e2e tests (`bash scripts/swarm.sh up`: three dockerds in network
 * namespaces, node 1 the manager at unix:///run/tsfig-swarm1.sock, nodes 2-3 workers) and the
 * docker CLI against its nodes: tasks of a service, the node that runs one, a command in a
 * task's container on its node, and the clean-up of a stack by its label on every node.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { dockerResult } from './harness.js';
import { ROOT } from './stack.js';

export const SOCK = (i: number): string => `unix:///run/tsfig-swarm${i}.sock`;
export const MANAGER = SOCK(1);
export const NODES = [1, 2, 3] as const;
export const STACK_LABEL = 'com.docker.stack.namespace';

/** `bash scripts/swarm.sh up|down` (idempotent); fails with the script's last lines. */
export function swarmRig(action: 'up' | 'down'): Promise<void> {
  return new Promise((res, rej) =>
    execFile('bash', [join(ROOT, 'scripts', 'swarm.sh'), action], { timeout: 300_000, encoding: 'utf8' }, (err, _out, stderr) =>
      err ? rej(new Error(`scripts/swarm.sh ${action} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`)) : res(),
    ),
  );
}

/** The docker CLI against node i; its stdout, or an error with its stderr. */
export async function dk(i: number, ...args: string[]): Promise<string> {
  const r = await dockerResult('-H', SOCK(i), ...args);
  if (r.exitCode !== 0) throw new Error(`docker -H node${i} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface Task { ID: string; NodeID: string; Slot?: number; DesiredState: string; Status: { State: string; ContainerStatus?: { ContainerID?: string } } }

/** The tasks of a service meant to run, as the manager inspects them. */
export async function tasksOf(service: string): Promise<Task[]> {
  const ids = (await dk(1, 'service', 'ps', '-q', '--filter', 'desired-state=running', service)).trim().split('\n').filter(Boolean);
  return ids.length ? (JSON.parse(await dk(1, 'inspect', ...ids)) as Task[]) : [];
}

export async function nodeIds(role: 'manager' | 'worker'): Promise<string[]> {
  return (await dk(1, 'node', 'ls', '-q', '--filter', `role=${role}`)).trim().split('\n').filter(Boolean);
}

/** node index (1-3) of a node ID: the engine whose `info` names it. */
export async function nodeIndex(id: string): Promise<number> {
  for (const i of NODES) if ((await dockerResult('-H', SOCK(i), 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim() === id) return i;
  throw new Error(`no node with ID ${id}`);
}

/** A command (argv) in the running container of one of the service's tasks, on whichever node runs it. */
export async function execArgvInTask(service: string, argv: string[], pick: (t: Task) => boolean = () => true): Promise<string> {
  const t = (await tasksOf(service)).find((x) => x.Status.State === 'running' && pick(x));
  if (!t?.Status.ContainerStatus?.ContainerID) throw new Error(`no running task of ${service}`);
  return dk(await nodeIndex(t.NodeID), 'exec', t.Status.ContainerStatus.ContainerID, ...argv);
}

/** A shell script in the running container of one of the service's tasks. */
export function execInTask(service: string, script: string, pick: (t: Task) => boolean = () => true): Promise<string> {
  return execArgvInTask(service, ['sh', '-c', script], pick);
}

/** Names of what node i holds with the stack's label (`volume`, `container` incl. stopped ones). */
export async function labelled(i: number, kind: 'volume' | 'container', project: string): Promise<string[]> {
  const args = kind === 'container' ? ['ps', '-a', '--format', '{{.Names}}'] : ['volume', 'ls', '--format', '{{.Name}}'];
  return (await dk(i, ...args, '--filter', `label=${STACK_LABEL}=${project}`)).trim().split('\n').filter(Boolean).sort();
}

/**
 * Whatever a stack left on the rig, by its label: services, secrets, configs and networks on the
 * manager; task containers and volumes on every node. Errors are ignored (best effort).
 */
export async function cleanupSwarmStack(project: string): Promise<void> {
  const filter = `label=${STACK_LABEL}=${project}`;
  const ids = async (i: number, ...args: string[]) => (await dockerResult('-H', SOCK(i), ...args, '-q', '--filter', filter)).stdout.trim().split('\n').filter(Boolean);
  for (const kind of ['service', 'secret', 'config', 'network'] as const) {
    const list = await ids(1, kind, 'ls');
    if (list.length) await dockerResult('-H', MANAGER, kind, 'rm', ...list);
  }
  for (const i of NODES) {
    const containers = await ids(i, 'ps', '-a');
    if (containers.length) await dockerResult('-H', SOCK(i), 'rm', '-f', '-v', ...containers);
    const volumes = (await dockerResult('-H', SOCK(i), 'volume', 'ls', '-q', '--filter', filter)).stdout.trim().split('\n').filter(Boolean);
    if (volumes.length) await dockerResult('-H', SOCK(i), 'volume', 'rm', '-f', ...volumes);
  }
}
