/** `ls`: the tsfig projects on an engine, with their status; needs no project file. */
import { UsageError } from '../../errors.js';
import { LABEL } from '../../model/labels.js';
import { byText } from '../../model/dict.js';

export interface ProjectRow {
  Name: string;
  /** `running(2), exited(1)`. */
  Status: string;
  ConfigFiles: string;
}

/** `--filter name=TEXT` -> TEXT. */
export function parseProjectFilters(filters: string[]): string[] {
  return filters.map((f) => {
    const m = /^name=(.*)$/.exec(f);
    if (m === null) throw new UsageError(`ls: unsupported filter ${JSON.stringify(f)}: the one filter is name=TEXT`);
    return m[1] ?? '';
  });
}

export interface ListProjectsRequest {
  /** The engine as the docker CLI picks it (`-H`, `--context`). */
  host?: string;
  context?: string;
  env: Record<string, string | undefined>;
  /** Projects whose containers are all stopped too. */
  all: boolean;
  /** Names containing any of these (none: every project). */
  names: string[];
}

export async function listProjects(req: ListProjectsRequest): Promise<ProjectRow[]> {
  const { connectDefault } = await import('../../backend/index.js');
  const { engine } = await connectDefault(req, req.env);
  const containers = await engine.listContainers({ all: true, labels: { [LABEL.project]: true } });
  const projects = new Map<string, { states: Map<string, number>; files: string }>();
  for (const c of containers) {
    const name = c.labels[LABEL.project]!;
    const p = projects.get(name) ?? { states: new Map(), files: c.labels[LABEL.configFiles] ?? '' };
    p.states.set(c.state, (p.states.get(c.state) ?? 0) + 1);
    projects.set(name, p);
  }
  return [...projects.entries()]
    .filter(([, p]) => req.all || p.states.has('running'))
    .filter(([name]) => req.names.length === 0 || req.names.some((n) => name.includes(n)))
    .sort(([a], [b]) => byText(a, b))
    .map(([name, p]) => ({
      Name: name,
      Status: [...p.states.entries()].sort().map(([st, n]) => `${st}(${n})`).join(', '),
      ConfigFiles: p.files,
    }));
}
