/** Names of everything tsfig creates, in one place. */

export function containerName(project: string, service: string, n: number): string {
  return `${project}-${service}-${n}`;
}

export function oneOffName(project: string, service: string, id: string): string {
  return `${project}-${service}-run-${id}`;
}

export function networkName(project: string, key: string): string {
  return `${project}_${key}`;
}

export function volumeName(project: string, key: string): string {
  return `${project}_${key}`;
}

/** Image name of a build service without `image:`. */
export function defaultImageName(project: string, service: string): string {
  return `${project}-${service}`;
}

const REPLACEMENT = '_tsfig-new-';

/** The temporary name of a replacement during a recreate: `<name>_tsfig-new-<old id, 12>`. */
export function replacementName(name: string, oldId: string): string {
  return `${name}${REPLACEMENT}${oldId.slice(0, 12)}`;
}

/** Is `name` still the temporary name of a replacement (of `oldId`, when given)? */
export function isReplacementName(name: string, oldId?: string): boolean {
  return oldId === undefined ? name.includes(REPLACEMENT) : name.endsWith(`${REPLACEMENT}${oldId.slice(0, 12)}`);
}

/** Is `name` the temporary name of a replacement of the container named `final`? */
export function isReplacementOf(name: string, final: string): boolean {
  return name.startsWith(`${final}${REPLACEMENT}`);
}

/** Anonymous volumes are named by the engine with 64 hex digits. */
export function isAnonymousVolume(name: string | undefined): name is string {
  return name !== undefined && /^[0-9a-f]{64}$/.test(name);
}
