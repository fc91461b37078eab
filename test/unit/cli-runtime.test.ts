import { describe, expect, it } from 'vitest';
import { unreachable } from '../../src/cli/runtime.js';
import type { ObservedHost, ObservedState } from '../../src/reconcile/state.js';
import { host as baseHost } from '../support/observed.js';

function host(name: string, reachable: boolean, error?: string): ObservedHost {
  return baseHost(name, { endpoint: `unix:///run/${name}.sock`, reachable, ...(error !== undefined ? { error } : {}) });
}

function state(...hosts: ObservedHost[]): ObservedState {
  return { project: 'p', hosts: Object.fromEntries(hosts.map((h) => [h.name, h])) };
}

describe('unreachable (the errors a command ends with)', () => {
  it('names the host when the project has several (the engine error names only the address)', () => {
    const s = state(host('default', true), host('a', true), host('b', false, 'cannot reach the Docker engine at tcp://10.0.0.2:2376: TLS: x'));
    expect(unreachable(s)).toEqual(['host b: cannot reach the Docker engine at tcp://10.0.0.2:2376: TLS: x']);
  });

  it('a single default host keeps the engine message as it is', () => {
    expect(unreachable(state(host('default', false, 'cannot reach the Docker engine at unix:///x: ENOENT')))).toEqual([
      'cannot reach the Docker engine at unix:///x: ENOENT',
    ]);
  });

  it('without an error message: the host did not answer', () => {
    expect(unreachable(state(host('default', true), host('b', false)))).toEqual(['host b did not answer']);
  });
});
