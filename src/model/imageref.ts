/**
 * An image reference (`busybox`, `user/app:1`, `localhost:5000/team/app@sha256:...`) as one
 * value: parsed with the docker reference grammar, normalised as the docker CLI normalises it
 * (`busybox` is `docker.io/library/busybox`), and shown in its familiar form (what `docker
 * images` shows). The one parser of image references; everything else asks it.
 *
 * Grammar (docker/distribution `reference`):
 *
 *     reference  := name [ ":" tag ] [ "@" digest ]
 *     name       := [domain "/"] path
 *     domain     := host [":" port]     host: DNS-like name, IPv4, or [IPv6]
 *     path       := component ("/" component)*     lowercase [a-z0-9] with . _ __ - separators
 *     tag        := [\w][\w.-]{0,127}
 *     digest     := algorithm ":" hex   (sha256, sha384, sha512 with their exact lengths)
 *
 * The first part of a name is a registry only when it looks like one: it has a `.` or a `:`, is
 * `localhost`, or has capitals (a path may not); otherwise the name is on Docker Hub, where a
 * one-part name is an official image under `library/`.
 */

/** Docker Hub as references name it. */
export const DOCKER_HUB = 'docker.io';
/** Docker Hub's legacy name (the v1 index), canonicalised to `docker.io` when written. */
const LEGACY_HUB = 'index.docker.io';
/** Docker Hub's server address for registry credentials (the docker CLI's `auths` key). */
export const DOCKER_HUB_AUTH_SERVER = 'https://index.docker.io/v1/';
const OFFICIAL = 'library/';
const DEFAULT_TAG = 'latest';
const MAX_PATH = 255;

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const PATH = `${COMPONENT}(?:/${COMPONENT})*`;
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME = new RegExp(`^(?:(${DOMAIN})/)?(${PATH})$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
/** Digest algorithms the engine knows, with the length of their hex encoding. */
const DIGEST_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export type ImageRefErrorCode = 'IMAGE_REF_EMPTY' | 'IMAGE_REF_FORMAT' | 'IMAGE_REF_UPPERCASE' | 'IMAGE_REF_TOO_LONG' | 'IMAGE_REF_DIGEST' | 'IMAGE_REF_IDENTIFIER';

export class ImageRefError extends Error {
  constructor(
    readonly code: ImageRefErrorCode,
    readonly text: string,
    message: string,
  ) {
    super(`invalid image reference ${JSON.stringify(text)}: ${message}`);
    this.name = 'ImageRefError';
  }
}

/**
 * The registry part of a reference as docker splits it, without checking the rest:
 * `docker.io` unless the first part names a host. Lenient on purpose (a name that does not
 * parse still has a registry to ask for credentials).
 */
export function registryOfText(text: string): string {
  return splitDomain(text).domain;
}

function splitDomain(text: string): { domain: string; rest: string } {
  const slash = text.indexOf('/');
  if (slash < 0) return { domain: DOCKER_HUB, rest: OFFICIAL + text };
  const first = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (first === 'localhost' || first.includes('.') || first.includes(':') || first !== first.toLowerCase()) {
    domain = first === LEGACY_HUB ? DOCKER_HUB : first;
    remote = rest;
  } else {
    domain = DOCKER_HUB;
    remote = text;
  }
  if (domain === DOCKER_HUB && !remote.includes('/')) remote = OFFICIAL + remote;
  return { domain, rest: remote };
}

function checkDigest(text: string, digest: string): void {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_LENGTH[algorithm];
  if (length === undefined) throw new ImageRefError('IMAGE_REF_DIGEST', text, `digest algorithm "${algorithm}" is not sha256, sha384 or sha512`);
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) throw new ImageRefError('IMAGE_REF_DIGEST', text, `a ${algorithm} digest is ${length} lowercase hex digits`);
}

export class ImageRef {
  private constructor(
    /** The registry: `docker.io` for Docker Hub, else `host[:port]` as written ('' in the odd case of none). */
    readonly registry: string,
    /** The repository on the registry: `library/busybox`, `team/app`. */
    readonly path: string,
    readonly tag: string | undefined,
    /** `sha256:...`. */
    readonly digest: string | undefined,
  ) {}

  /** Parses a reference as written in a file or on the command line; throws ImageRefError. */
  static parse(text: string): ImageRef {
    if (text === '') throw new ImageRefError('IMAGE_REF_EMPTY', text, 'the name is empty');
    if (IDENTIFIER.test(text)) throw new ImageRefError('IMAGE_REF_IDENTIFIER', text, 'a 64-digit hex string is an image ID, not a name');
    const { domain, rest } = splitDomain(text);
    const colon = rest.indexOf(':');
    const remote = colon < 0 ? rest : rest.slice(0, colon);
    if (remote.toLowerCase() !== remote) throw new ImageRefError('IMAGE_REF_UPPERCASE', text, 'a repository name must be lowercase');
    const full = `${domain}/${rest}`;
    const m = REFERENCE.exec(full);
    if (m === null) {
      const lower = full.toLowerCase();
      if (lower !== full && REFERENCE.test(lower)) throw new ImageRefError('IMAGE_REF_UPPERCASE', text, 'a repository name must be lowercase');
      throw new ImageRefError('IMAGE_REF_FORMAT', text, 'not [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST]');
    }
    const name = NAME.exec(m[1]!)!;
    const path = name[2]!;
    if (path.length > MAX_PATH) throw new ImageRefError('IMAGE_REF_TOO_LONG', text, `a repository name is at most ${MAX_PATH} characters`);
    const digest = m[3];
    if (digest !== undefined) checkDigest(text, digest);
    // A first part split off as a registry that is not a host name (`foo_bar.com/x`) is read
    // back as part of the path, as docker does: such a reference names no registry.
    return new ImageRef(name[1] ?? '', path, m[2], digest);
  }

  /** `parse`, or undefined when the text is not a reference. */
  static tryParse(text: string): ImageRef | undefined {
    try {
      return ImageRef.parse(text);
    } catch (err) {
      if (err instanceof ImageRefError) return undefined;
      throw err;
    }
  }

  /** The repository with its registry: `docker.io/library/busybox`. */
  get name(): string {
    return this.registry === '' ? this.path : `${this.registry}/${this.path}`;
  }

  /** The repository as `docker images` shows it: `busybox`, `user/app`, `localhost:5000/app`. */
  get familiarName(): string {
    if (this.registry !== DOCKER_HUB) return this.name;
    const rest = this.path.startsWith(OFFICIAL) ? this.path.slice(OFFICIAL.length) : this.path;
    return rest.includes('/') ? this.path : rest;
  }

  /** The reference as `docker images` shows it: `busybox:latest`, `user/app`, `app@sha256:...`. */
  get familiar(): string {
    return this.familiarName + this.suffix();
  }

  /** The full normalised reference: `docker.io/library/busybox:latest`. */
  toString(): string {
    return this.name + this.suffix();
  }

  /** With the tag `latest` when it has neither a tag nor a digest (what a pull of it fetches). */
  withDefaultTag(): ImageRef {
    return this.tag === undefined && this.digest === undefined ? new ImageRef(this.registry, this.path, DEFAULT_TAG, undefined) : this;
  }

  /** The server address registry credentials are kept under: Docker Hub's v1 index URL, else the registry. */
  get authServer(): string {
    return this.registry === DOCKER_HUB ? DOCKER_HUB_AUTH_SERVER : this.registry;
  }

  private suffix(): string {
    return (this.tag !== undefined ? `:${this.tag}` : '') + (this.digest !== undefined ? `@${this.digest}` : '');
  }
}

/**
 * The reference a service's image is looked up under among the engine's tags: in the familiar
 * form the engine lists tags in, with `:latest` when it has neither a tag nor a digest
 * (`busybox` and `docker.io/library/busybox` -> `busybox:latest`). Text that is not a
 * reference is returned as it is (no engine has such an image).
 */
export function withDefaultTag(text: string): string {
  const ref = ImageRef.tryParse(text);
  return ref !== undefined ? ref.withDefaultTag().familiar : text;
}
