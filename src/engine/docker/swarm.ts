/**
 * Swarm mode's API (Engine API 1.41): the swarm and its nodes, services, tasks, secrets,
 * configs and the swarm-scoped networks of a stack. Specs go and come back as the engine's own
 * JSON (`SwarmJson`): the swarm backend maps a project to them and compares them itself.
 */
import { endOnAbort } from './monitor.js';
import type { CallOptions, LabelFilter } from '../engine.js';
import { type ErrorContext, mapEngineError } from '../errors.js';
import { signalOf, type Client } from './client.js';
import { labelFilters, num, obj, str } from './readers.js';

/** A JSON object as the engine sends or takes it. */
export type SwarmJson = Record<string, unknown>;

/** What `GET /info` says about this engine's place in a swarm. */
export interface SwarmMembership {
  /** inactive, pending, active, error, locked. */
  state: string;
  /** A manager (the swarm API answers here). */
  manager: boolean;
  nodeId: string;
}

/** An object the swarm keeps (service, secret, config, node): its ID, version and spec. */
export interface SwarmObject {
  id: string;
  /** `Version.Index`: an update carries it (a stale one is refused: "update out of sequence"). */
  version: number;
  spec: SwarmJson;
  /** The whole answer (a service's UpdateStatus, a node's Status, ...). */
  raw: SwarmJson;
}

export interface ServiceLogsOptions extends CallOptions {
  follow?: boolean;
  tail?: string;
  /** Unix seconds (fractions allowed). */
  since?: string;
  timestamps?: boolean;
}

export interface EngineSwarm {
  swarmMembership(opts?: CallOptions): Promise<SwarmMembership>;
  listNodes(opts?: CallOptions): Promise<SwarmObject[]>;
  listServices(labels: LabelFilter, opts?: CallOptions): Promise<SwarmObject[]>;
  inspectService(id: string, opts?: CallOptions): Promise<SwarmObject>;
  createService(spec: SwarmJson, opts?: CallOptions): Promise<string>;
  /** `POST /services/{id}/update?version=`: the answer's warnings. */
  updateService(id: string, version: number, spec: SwarmJson, opts?: CallOptions): Promise<string[]>;
  removeService(id: string, opts?: CallOptions): Promise<void>;
  listTasks(filters: Record<string, string[]>, opts?: CallOptions): Promise<SwarmJson[]>;
  listSecrets(labels: LabelFilter, opts?: CallOptions): Promise<SwarmObject[]>;
  createSecret(spec: SwarmJson, opts?: CallOptions): Promise<string>;
  removeSecret(id: string, opts?: CallOptions): Promise<void>;
  listConfigs(labels: LabelFilter, opts?: CallOptions): Promise<SwarmObject[]>;
  createConfig(spec: SwarmJson, opts?: CallOptions): Promise<string>;
  removeConfig(id: string, opts?: CallOptions): Promise<void>;
  /** Networks as the engine lists them (swarm-scoped ones included), raw. */
  listStackNetworks(labels: LabelFilter, opts?: CallOptions): Promise<SwarmJson[]>;
  createStackNetwork(body: SwarmJson, opts?: CallOptions): Promise<string>;
  removeStackNetwork(id: string, opts?: CallOptions): Promise<void>;
  /** A service's logs with details (the task and node of each line), multiplexed as the engine sends them. */
  serviceLogs(id: string, opts?: ServiceLogsOptions): Promise<NodeJS.ReadableStream>;
}

function objectOf(v: unknown): SwarmObject {
  const o = obj(v);
  return { id: str(o.ID), version: num(obj(o.Version).Index), spec: obj(o.Spec), raw: o };
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function filterQuery(labels: LabelFilter): Record<string, string> {
  const f = labelFilters(labels, undefined);
  return f !== undefined ? { filters: JSON.stringify(f) } : {};
}

/** Swarm calls. */
export function dockerSwarm(c: Client): EngineSwarm {
  const ctx = (action: string, id?: string): ErrorContext => ({ action, ...(id !== undefined ? { id } : {}) });
  const idOf = (v: unknown): string => str(obj(v).ID) || str(obj(v).Id);
  return {
    async swarmMembership(opts) {
      const info = obj(await c.get(ctx('info'), '/info', {}, opts));
      const swarm = obj(info.Swarm);
      return { state: str(swarm.LocalNodeState, 'inactive'), manager: swarm.ControlAvailable === true, nodeId: str(swarm.NodeID) };
    },
    async listNodes(opts) {
      return listOf(await c.get(ctx('node list'), '/nodes', {}, opts)).map(objectOf);
    },
    async listServices(labels, opts) {
      return listOf(await c.get(ctx('service list'), '/services', filterQuery(labels), opts)).map(objectOf);
    },
    async inspectService(id, opts) {
      return objectOf(await c.get(ctx('service inspect', id), `/services/${encodeURIComponent(id)}`, {}, opts));
    },
    async createService(spec, opts) {
      return idOf(await c.send(ctx('service create', str(spec.Name)), 'POST', '/services/create', { body: spec, ...signalOf(opts) }));
    },
    async updateService(id, version, spec, opts) {
      const r = obj(await c.send(ctx('service update', str(spec.Name) || id), 'POST', `/services/${encodeURIComponent(id)}/update`, { query: { version }, body: spec, ...signalOf(opts) }));
      return Array.isArray(r.Warnings) ? r.Warnings.filter((w): w is string => typeof w === 'string') : [];
    },
    async removeService(id, opts) {
      await c.send(ctx('service remove', id), 'DELETE', `/services/${encodeURIComponent(id)}`, signalOf(opts));
    },
    async listTasks(filters, opts) {
      const q: Record<string, string> = Object.keys(filters).length > 0 ? { filters: JSON.stringify(filters) } : {};
      return listOf(await c.get(ctx('task list'), '/tasks', q, opts)).map(obj);
    },
    async listSecrets(labels, opts) {
      return listOf(await c.get(ctx('secret list'), '/secrets', filterQuery(labels), opts)).map(objectOf);
    },
    async createSecret(spec, opts) {
      return idOf(await c.send(ctx('secret create', str(spec.Name)), 'POST', '/secrets/create', { body: spec, ...signalOf(opts) }));
    },
    async removeSecret(id, opts) {
      await c.send(ctx('secret remove', id), 'DELETE', `/secrets/${encodeURIComponent(id)}`, signalOf(opts));
    },
    async listConfigs(labels, opts) {
      return listOf(await c.get(ctx('config list'), '/configs', filterQuery(labels), opts)).map(objectOf);
    },
    async createConfig(spec, opts) {
      return idOf(await c.send(ctx('config create', str(spec.Name)), 'POST', '/configs/create', { body: spec, ...signalOf(opts) }));
    },
    async removeConfig(id, opts) {
      await c.send(ctx('config remove', id), 'DELETE', `/configs/${encodeURIComponent(id)}`, signalOf(opts));
    },
    async listStackNetworks(labels, opts) {
      return listOf(await c.get({ kind: 'network', action: 'list' }, '/networks', filterQuery(labels), opts)).map(obj);
    },
    async createStackNetwork(body, opts) {
      return idOf(await c.send({ kind: 'network', id: str(body.Name), action: 'create' }, 'POST', '/networks/create', { body, ...signalOf(opts) }));
    },
    async removeStackNetwork(id, opts) {
      await c.send({ kind: 'network', id, action: 'remove' }, 'DELETE', `/networks/${encodeURIComponent(id)}`, signalOf(opts));
    },
    async serviceLogs(id, opts = {}) {
      const signal = opts.signal;
      if (signal?.aborted === true) throw signal.reason;
      const lctx = ctx('service logs', id);
      const res = await c.stream(lctx, 'GET', `/services/${encodeURIComponent(id)}/logs`, {
        query: { stdout: true, stderr: true, details: true, follow: opts.follow === true, tail: opts.tail, since: opts.since, timestamps: opts.timestamps === true },
      });
      return endOnAbort(res, signal, (err) => mapEngineError(err, c.where, lctx) as Error);
    },
  };
}
