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

/** The temporary name of a replacement during a recreate: `<name>_tsfig-new-<old id, 12>`. */
export function replacementName(name: string, oldId: string): string {
  return `${name}_tsfig-new-${oldId.slice(0, 12)}`;
}

/** Is `name` still the temporary name of a replacement of the container `oldId`? */
export function isReplacementName(name: string, oldId: string): boolean {
  return name.endsWith(`_tsfig-new-${oldId.slice(0, 12)}`);
}
