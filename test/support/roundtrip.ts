/**
 * The `config` round trip (issue 14): a project's `config` output (YAML), loaded again as
 * `-f -` would load it (same project directory, name and environment), gives the same
 * `config --format json`. Through the use case `config` runs, minus the flag parsing.
 */
import { projectConfig } from '../../src/app/containers/config.js';
import { loadProject, type LoadOptions } from '../../src/config/load.js';

export interface RoundTrip {
  /** `config --format json` of the project as loaded from its files. */
  before: string;
  /** `config` (YAML) of the project: what `-f -` reads back. */
  yaml: string;
  /** `config --format json` of that YAML loaded again. */
  after: string;
}

/** Throws (a ConfigError) when either load fails. */
export async function configRoundTrip(load: LoadOptions): Promise<RoundTrip> {
  const quiet = () => {};
  const before = await projectConfig(load, { services: [], format: 'json' }, quiet);
  const yaml = await projectConfig(load, { services: [], format: 'yaml' }, quiet);
  // The name and directory the project was loaded with (the output names the project, not its directory).
  const { name, workingDir } = loadProject(load).project!;
  const again: LoadOptions = { ...load, files: ['-'], stdin: () => yaml, projectDirectory: workingDir, projectName: name };
  const after = await projectConfig(again, { services: [], format: 'json' }, quiet);
  return { before, yaml, after };
}
