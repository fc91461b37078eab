/** The engine backend's hosts: the default engine and every `hosts:` entry (each engine connected on first use). */
import { TsfigError } from '../../errors.js';
import type { Project } from '../../model/project.js';
import { DEFAULT_HOST } from '../../reconcile/state.js';
import { httpTimeoutMs } from '../../settings.js';
import type { HostEngine } from '../backend.js';

export interface ConnectFlags {
  /** `-H`. */
  host?: string;
  /** `--context`. */
  context?: string;
}

/** Connect to the default host and every `hosts:` entry; `warn` gets one line per insecure endpoint. */
export async function connectHosts(project: Project, flags: ConnectFlags, env: Record<string, string | undefined>, warn: (line: string) => void): Promise<HostEngine[]> {
  const { connect, resolveCliEndpoint, resolveEndpoint: resolve } = await import('../../engine/connect.js');
  const hosts: HostEngine[] = [];
  const base = { env, ...(env.HOME ? { homeDir: env.HOME } : {}), baseDir: project.workingDir };
  const timeoutMs = httpTimeoutMs(env);
  const resolveEndpoint = (o: Parameters<typeof resolve>[0]) => ({ ...resolve(o), timeoutMs });
  const declared = project.hosts[DEFAULT_HOST];
  const def = declared
    ? named(DEFAULT_HOST, () => resolveEndpoint({ ...base, host: declared.docker, fromHosts: true, ...(declared.tls ? { tls: declared.tls } : {}), ...(declared.ssh ? { ssh: declared.ssh } : {}) }))
    : { ...resolveCliEndpoint({ ...base, ...(flags.host !== undefined ? { flagHost: flags.host } : {}), ...(flags.context !== undefined ? { flagContext: flags.context } : {}) }), timeoutMs };
  if (def.insecure) warn(`warning: ${def.url} is plain tcp to a non-loopback address: anyone on the path can drive that engine; use TLS`);
  hosts.push({ name: DEFAULT_HOST, endpoint: def.url, engine: declared ? named(DEFAULT_HOST, () => connect(def)) : connect(def) });
  for (const [name, h] of Object.entries(project.hosts)) {
    if (name === DEFAULT_HOST) continue;
    const ep = named(name, () => resolveEndpoint({ ...base, host: h.docker, fromHosts: true, ...(h.tls ? { tls: h.tls } : {}), ...(h.ssh ? { ssh: h.ssh } : {}) }));
    if (ep.insecure) warn(`warning: host ${name} (${ep.url}) is plain tcp to a non-loopback address: use TLS`);
    hosts.push({ name, endpoint: ep.url, engine: named(name, () => connect(ep)) });
  }
  return hosts;
}

/** A `hosts:` entry that cannot be used (unreadable TLS file, ...): the message names the host. */
function named<T>(host: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof TsfigError) throw new TsfigError(`host ${host}: ${err.message}`, err.exitCode);
    throw err;
  }
}
