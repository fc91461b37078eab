/** Networks. */
import { signalOf, type Client } from './client.js';
import type {
  CallOptions,
  CreatedNetwork,
  EndpointConfig,
  EngineNetworks,
  ListByLabelOptions,
  NetworkCreateBody,
  NetworkInspect,
  NetworkSummary,
} from '../engine.js';
import { labelFilters, obj, optStr, str } from './readers.js';
import { mapNetworkInspect, mapNetworkSummary } from './mappers.js';

const path = (id: string, rest = ''): string => `/networks/${encodeURIComponent(id)}${rest}`;

/** Network calls. */
export function dockerNetworks(c: Client): EngineNetworks {
  return {
    async listNetworks(opts: ListByLabelOptions = {}): Promise<NetworkSummary[]> {
      const filters = labelFilters(opts.labels, opts.filters);
      const list = await c.get({ kind: 'network', action: 'list' }, '/networks', filters !== undefined ? { filters: JSON.stringify(filters) } : {}, opts);
      return (Array.isArray(list) ? list : []).map(mapNetworkSummary);
    },
    async inspectNetwork(id: string, opts?: CallOptions): Promise<NetworkInspect> {
      return mapNetworkInspect(await c.get({ kind: 'network', id, action: 'inspect' }, path(id), {}, opts));
    },
    async createNetwork(body: NetworkCreateBody, opts?: CallOptions): Promise<CreatedNetwork> {
      const data = obj(await c.send({ kind: 'network', id: body.Name, action: 'create' }, 'POST', '/networks/create', { body, ...signalOf(opts) }));
      const warning = optStr(data.Warning);
      return { id: str(data.Id), ...(warning !== undefined ? { warning } : {}) };
    },
    async removeNetwork(id: string, opts?: CallOptions): Promise<void> {
      await c.send({ kind: 'network', id, action: 'remove' }, 'DELETE', path(id), signalOf(opts));
    },
    async connectNetwork(networkId: string, containerId: string, endpointConfig?: EndpointConfig, opts?: CallOptions): Promise<void> {
      const body = { Container: containerId, ...(endpointConfig !== undefined ? { EndpointConfig: endpointConfig } : {}) };
      await c.send({ kind: 'network', id: networkId, action: 'connect' }, 'POST', path(networkId, '/connect'), { body, ...signalOf(opts) });
    },
    async disconnectNetwork(networkId: string, containerId: string, force?: boolean, opts?: CallOptions): Promise<void> {
      const body = { Container: containerId, Force: force === true };
      await c.send({ kind: 'network', id: networkId, action: 'disconnect' }, 'POST', path(networkId, '/disconnect'), { body, ...signalOf(opts) });
    },
  };
}
