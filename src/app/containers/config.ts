/** `config`: the project as loaded, in the canonical form, or one of its lists (services, images, hashes, ...). */
import { renderProject } from '../../config/output.js';
import { UsageError } from '../../errors.js';
import { Graph } from '../../graph/graph.js';
import { serviceConfigHash } from '../../model/hash.js';
import { defaultImageName } from '../../model/naming.js';
import type { Project } from '../../model/project.js';

export interface ConfigRequest {
  /** Keep only these services (their profiles were enabled when loading). */
  services: string[];
  format: 'yaml' | 'json';
  /** One list instead of the whole project (the first one set, in this order). */
  list?: 'services' | 'images' | 'volumes' | 'networks' | 'profiles';
  /** Config hashes of these services (`*`: all), comma separated. */
  hash?: string;
  quiet?: boolean;
  showSecrets?: boolean;
}

/** Writes what `config` prints to `out`, a line at a time for the lists. */
export function projectConfig(project: Project, req: ConfigRequest, out: (text: string) => void): void {
  const lines = (items: Iterable<string>): void => {
    for (const l of items) out(`${l}\n`);
  };
  if (req.services.length) {
    const keep = new Set(req.services);
    for (const name of Object.keys(project.services)) if (!keep.has(name)) delete project.services[name];
  }
  if (req.quiet) return;
  switch (req.list) {
    case 'services':
      return lines(new Graph(project.services).order());
    case 'images':
      return lines(new Graph(project.services).order().map((name) => project.services[name]!.image ?? defaultImageName(project.name, name)));
    case 'volumes':
      return lines(Object.keys(project.volumes));
    case 'networks':
      return lines(Object.keys(project.networks));
    case 'profiles': {
      const all = new Set<string>();
      for (const s of [...Object.values(project.services), ...Object.values(project.disabledServices)]) for (const p of s.profiles) all.add(p);
      return lines([...all].sort());
    }
    case undefined:
      break;
  }
  if (req.hash !== undefined) {
    const names = req.hash === '*' ? Object.keys(project.services).sort() : req.hash.split(',');
    for (const name of names) {
      const svc = project.services[name];
      if (!svc) throw new UsageError(`no such service: ${name}`);
      out(`${name} ${serviceConfigHash(svc)}\n`);
    }
    return;
  }
  out(renderProject(project, req.format, { showSecrets: Boolean(req.showSecrets) }));
}
