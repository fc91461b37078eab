/**
 * `cp`: files and folders between a service's container and the host, in either direction, as
 * `docker cp` copies them (`dir/.` copies a folder's content; a missing destination is made
 * under its existing parent). The host side is cp-host.ts.
 */
import { lstat, stat } from 'node:fs/promises';
import { basename, dirname, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { TsfigError, UsageError } from '../../errors.js';
import type { ContainersContext, Engine } from './context.js';
import { extractEntries, hostEntries, isDirMode } from './cp-host.js';
import { readTar, writeTar, isNotFound } from '../../backend/index.js';
import { locateContainer, type Located } from './locate.js';

export type CpArgs =
  | { direction: 'from'; service: string; containerPath: string; hostPath: string }
  | { direction: 'to'; service: string; containerPath: string; hostPath: string };

/** `SERVICE:PATH`, or undefined for a host path (absolute, `./x`, or without a colon). */
function remote(arg: string): { service: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  const service = arg.slice(0, colon);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(service)) return undefined;
  return { service, path: arg.slice(colon + 1) };
}

/** `SERVICE:SRC DEST` or `SRC SERVICE:DEST`. Container paths are absolute (relative ones start at `/`). */
export function parseCpArgs(src: string, dest: string): CpArgs {
  const a = remote(src);
  const b = remote(dest);
  if (a !== undefined && b !== undefined) throw new UsageError('copying between two containers is not supported: one side must be a host path');
  if (a === undefined && b === undefined) throw new UsageError('one side must be SERVICE:PATH (e.g. tsfig cp web:/etc/hosts ./hosts)');
  if (src === '-' || dest === '-') throw new UsageError('copying to or from stdin/stdout ("-") is not supported');
  const r = (a ?? b)!;
  if (r.path === '') throw new UsageError(`no path after "${r.service}:"`);
  const containerPath = r.path.startsWith('/') ? r.path : `/${r.path}`;
  return a !== undefined
    ? { direction: 'from', service: a.service, containerPath, hostPath: dest }
    : { direction: 'to', service: b!.service, containerPath, hostPath: src };
}

/** `dir/.` (or `dir/./`): the directory's content rather than the directory. */
function contentsOnly(path: string): boolean {
  return /(^|\/)\.\/?$/.test(path);
}

async function hostStat(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** `cp`'s flags: `-a` (owners kept), `-L` (SRC followed when it is a link), `--all` (one-offs too, every container when copying in). */
export interface CopyOptions {
  archive?: boolean;
  followLink?: boolean;
  all?: boolean;
}

/** -L: where the container path `path` leads when it is a symbolic link (itself when it is not). */
async function followContainerLink(engine: Engine, id: string, path: string): Promise<string> {
  let at = path;
  // A chain of links, bounded as the kernel bounds it.
  for (let i = 0; i < 40; i++) {
    const st = await engine.statArchive(id, at);
    if (st?.linkTarget === undefined || st.linkTarget === '') return at;
    at = st.linkTarget.startsWith('/') ? st.linkTarget : posix.join(posix.dirname(at), st.linkTarget);
  }
  throw new TsfigError(`${path}: too many levels of symbolic links`);
}

async function copyFromContainer(engine: Engine, id: string, name: string, srcPath: string, hostPath: string, warn: (m: string) => void, opts: CopyOptions = {}): Promise<void> {
  let archive;
  const from = opts.followLink === true ? await followContainerLink(engine, id, srcPath) : srcPath;
  try {
    archive = await engine.getArchive(id, from);
  } catch (err) {
    if (isNotFound(err)) throw new TsfigError(`${name}: no such file or directory: ${srcPath}`);
    throw err;
  }
  const srcIsDir = archive.stat !== undefined && isDirMode(archive.stat.mode);
  const archiveRoot = archive.stat?.name || posix.basename(from) || '.';
  // A followed link is copied under the link's own name, as docker cp -L does.
  const ownRoot = from !== srcPath ? posix.basename(srcPath) || archiveRoot : archiveRoot;
  const dest = await hostStat(hostPath);
  let dir: string;
  let root: string;
  if (dest?.isDirectory() === true) {
    dir = hostPath;
    root = srcIsDir && contentsOnly(srcPath) ? '' : ownRoot;
  } else if (dest !== undefined) {
    if (srcIsDir) throw new TsfigError(`cannot copy the folder ${srcPath} over the file ${hostPath}`);
    dir = dirname(hostPath);
    root = basename(hostPath);
  } else {
    if (/[/\\]$/.test(hostPath) && !srcIsDir) throw new TsfigError(`${hostPath}: no such folder`);
    dir = dirname(resolve(hostPath));
    root = basename(resolve(hostPath));
    const parent = await hostStat(dir);
    if (parent?.isDirectory() !== true) throw new TsfigError(`${dir}: no such folder`);
  }
  await extractEntries(readTar(archive.stream), dir, archiveRoot, root, warn);
}

async function containerStat(engine: Engine, id: string, path: string) {
  const st = await engine.statArchive(id, path);
  if (st?.linkTarget) {
    const target = st.linkTarget.startsWith('/') ? st.linkTarget : posix.join(posix.dirname(path), st.linkTarget);
    return (await engine.statArchive(id, target)) ?? st;
  }
  return st;
}

async function copyToContainer(engine: Engine, id: string, name: string, hostPath: string, destPath: string, warn: (m: string) => void, opts: CopyOptions = {}): Promise<void> {
  let src;
  try {
    src = opts.followLink === true ? await stat(hostPath) : await lstat(hostPath);
  } catch {
    throw new TsfigError(`no such file or directory: ${hostPath}`);
  }
  const srcIsDir = src.isDirectory();
  const dest = await containerStat(engine, id, destPath);
  let dir: string;
  let root: string;
  if (dest !== undefined && isDirMode(dest.mode)) {
    dir = destPath;
    root = srcIsDir && contentsOnly(hostPath) ? '' : basename(resolve(hostPath));
  } else if (dest !== undefined) {
    if (srcIsDir) throw new TsfigError(`cannot copy the folder ${hostPath} over the file ${name}:${destPath}`);
    dir = posix.dirname(destPath);
    root = posix.basename(destPath);
  } else {
    if (destPath.endsWith('/') && !srcIsDir) throw new TsfigError(`${name}:${destPath}: no such folder`);
    const clean = destPath.replace(/\/+$/, '') || '/';
    dir = posix.dirname(clean);
    root = posix.basename(clean);
    const parent = await containerStat(engine, id, dir);
    if (parent === undefined || !isDirMode(parent.mode)) throw new TsfigError(`${name}:${dir}: no such folder`);
  }
  const tar = Readable.from(writeTar(hostEntries(hostPath, root, warn, { ...(opts.archive === true ? { archive: true } : {}), ...(opts.followLink === true ? { followLink: true } : {}) })));
  await engine.putArchive(id, dir, tar, opts.archive === true ? { copyUIDGID: true } : {});
}

/**
 * Copy as `args` says, with container `index` of the service (running or not); host paths
 * relative to `cwd`. `--all` without `--index` (compose's): into every container of the service,
 * its one-offs (run) included; out of the first of them (replicas first).
 */
export async function copyFiles(ctx: ContainersContext, args: CpArgs, index: number | undefined, cwd: string, opts: CopyOptions = {}): Promise<void> {
  const hostPath = resolve(cwd, args.hostPath) + (/[/\\]$/.test(args.hostPath) ? '/' : '') + (contentsOnly(args.hostPath) ? '/.' : '');
  const warn = (m: string): void => ctx.sink.warn(m);
  const targets = opts.all === true && index === undefined ? await allContainers(ctx, args.service) : [await locateContainer(ctx, args.service, index ?? 1, { running: false })];
  if (args.direction === 'from') {
    const { container: c, engine } = targets[0]!;
    await copyFromContainer(engine, c.id, c.name, args.containerPath, hostPath, warn, opts);
    return;
  }
  for (const { container: c, engine } of targets) await copyToContainer(engine, c.id, c.name, hostPath, args.containerPath, warn, opts);
}

/** Every container of `service`, one-offs included: replicas by number, then one-offs by name. */
async function allContainers(ctx: ContainersContext, service: string): Promise<Located[]> {
  if (ctx.project.services[service] === undefined) throw new UsageError(`no such service: ${service}`);
  const observed = await ctx.backend.observe({ containersOnly: true });
  const mine = Object.values(observed.hosts)
    .flatMap((h) => h.containers)
    .filter((c) => c.service === service)
    .sort((a, b) => Number(a.oneoff) - Number(b.oneoff) || a.number - b.number || (a.name < b.name ? -1 : 1));
  if (!mine.length) throw new TsfigError(`service ${service} has no container: start it with tsfig up ${service}`);
  return mine.map((container) => {
    const engine = ctx.engines[container.host];
    if (engine === undefined) throw new TsfigError(`host ${container.host} is not connected`);
    return { container, engine };
  });
}
