/** Networks. */
import type { Client } from './client.js';
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
import { labelFilters, obj, optStr, signalOpt, str } from './readers.js';
import { mapNetworkInspect, mapNetworkSummary } from './mappers.js';

/** Network calls. */
export function dockerNetworks(c: Client): EngineNetworks {
  return {
    async listNetworks(opts: ListByLabelOptions = {}): Promise<NetworkSummary[]> {
      const filters = labelFilters(opts.labels, opts.filters);
      const list: unknown = await c.call({ kind: 'network', action: 'list' }, () =>
        c.get_('/networks', filters !== undefined ? { filters: JSON.stringify(filters) } : {}, opts, () =>
          c.docker.listNetworks({ ...(filters !== undefined ? { filters } : {}), ...signalOpt(opts) }),
        ),
      );
      return (Array.isArray(list) ? list : []).map(mapNetworkSummary);
    },
    async inspectNetwork(id: string, opts?: CallOptions): Promise<NetworkInspect> {
      const raw = await c.call({ kind: 'network', id, action: 'inspect' }, () =>
        c.dial({ path: `/networks/${encodeURIComponent(id)}`, method: 'GET', ok: [200], ...(opts?.signal ? { signal: opts.signal } : {}) }),
      );
      return mapNetworkInspect(raw);
    },
    async createNetwork(body: NetworkCreateBody, opts?: CallOptions): Promise<CreatedNetwork> {
      const data = obj(
        await c.call({ kind: 'network', id: body.Name, action: 'create' }, () =>
          c.dial({ path: '/networks/create', method: 'POST', body, ok: [200, 201], ...(opts?.signal ? { signal: opts.signal } : {}) }),
        ),
      );
      const warning = optStr(data.Warning);
      return { id: str(data.Id), ...(warning !== undefined ? { warning } : {}) };
    },
    async removeNetwork(id: string, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'network', id, action: 'remove' }, () => c.docker.getNetwork(id).remove(signalOpt(opts)));
    },
    async connectNetwork(networkId: string, containerId: string, endpointConfig?: EndpointConfig, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'network', id: networkId, action: 'connect' }, () =>
        c.docker.getNetwork(networkId).connect({
          Container: containerId,
          ...(endpointConfig !== undefined ? { EndpointConfig: endpointConfig } : {}),
          ...signalOpt(opts),
        }),
      );
    },
    async disconnectNetwork(networkId: string, containerId: string, force?: boolean, opts?: CallOptions): Promise<void> {
      await c.call({ kind: 'network', id: networkId, action: 'disconnect' }, () =>
        c.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: force === true, ...signalOpt(opts) }),
      );
    },
  };
}

