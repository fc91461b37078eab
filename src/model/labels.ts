/** Every label tsfig reads or writes, in one place. */
export const LABEL = {
  project: 'io.tsfig.project',
  service: 'io.tsfig.service',
  number: 'io.tsfig.number',
  oneoff: 'io.tsfig.oneoff',
  configHash: 'io.tsfig.config-hash',
  /** The redacted canonical config (JSON) the container was made from: field-level causes. */
  config: 'io.tsfig.config',
  version: 'io.tsfig.version',
  /** On a replacement container: the ID of the container it replaces. */
  replace: 'io.tsfig.replace',
  /** On networks and volumes: the key in the project file. */
  network: 'io.tsfig.network',
  volume: 'io.tsfig.volume',
  /** Absolute paths of the project files, joined by ','. */
  configFiles: 'io.tsfig.config-files',
  workingDir: 'io.tsfig.working-dir',
} as const;
