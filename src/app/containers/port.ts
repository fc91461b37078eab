/** `port`: the public address a container port of a service is published on. */
import { TsfigError } from '../../errors.js';
import type { ContainersContext } from './context.js';

export interface PortRequest {
  service: string;
  privatePort: string;
  protocol: string;
  /** As given (`--index`). */
  index: string;
}

/** `IP:PORT` (0.0.0.0 when published on every address), or an error that says why there is none. */
export async function publishedPort(ctx: ContainersContext, req: PortRequest): Promise<string> {
  const observed = await ctx.backend.observe({ containersOnly: true });
  const c = Object.values(observed.hosts)
    .flatMap((h) => h.containers)
    .find((x) => x.service === req.service && !x.oneoff && x.number === Number(req.index));
  if (!c) throw new TsfigError(`no container ${req.index} of service ${req.service} (is it up?)`);
  const p = c.ports.find((x) => x.privatePort === Number(req.privatePort) && x.type === req.protocol && x.publicPort !== undefined);
  if (!p) throw new TsfigError(`port ${req.privatePort}/${req.protocol} of ${c.name} is not published`);
  return `${p.ip && p.ip !== '' ? p.ip : '0.0.0.0'}:${p.publicPort}`;
}
