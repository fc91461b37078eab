import { lstat, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { Engine } from '../../engine/engine.js';
import { readTar, writeTar } from '../../engine/tar.js';
import { EngineError, TsfigError, UsageError } from '../../errors.js';
import { extractEntries, hostEntries, isDirMode } from '../copy.js';
import { openSession, observeSession } from '../runtime.js';
import type { IO } from '../context.js';
import { parseIndex, serviceContainer } from './exec.js';

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

async function copyFromContainer(engine: Engine, id: string, name: string, srcPath: string, hostPath: string, warn: (m: string) => void): Promise<void> {
  let archive;
  try {
    archive = await engine.getArchive(id, srcPath);
  } catch (err) {
    if (err instanceof EngineError && err.statusCode === 404) throw new TsfigError(`${name}: no such file or directory: ${srcPath}`);
    throw err;
  }
  const srcIsDir = archive.stat !== undefined && isDirMode(archive.stat.mode);
  const archiveRoot = archive.stat?.name || posix.basename(srcPath) || '.';
  const dest = await hostStat(hostPath);
  let dir: string;
  let root: string;
  if (dest?.isDirectory() === true) {
    dir = hostPath;
    root = srcIsDir && contentsOnly(srcPath) ? '' : archiveRoot;
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

async function copyToContainer(engine: Engine, id: string, name: string, hostPath: string, destPath: string, warn: (m: string) => void): Promise<void> {
  let src;
  try {
    src = await lstat(hostPath);
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
  const tar = Readable.from(writeTar(hostEntries(hostPath, root, warn)));
  await engine.putArchive(id, dir, tar);
}

export function cpCommand(io: IO): Command {
  return new Command('cp')
    .description('Copy files and folders between a service container and the host')
    .usage('[options] SERVICE:SRC_PATH DEST_PATH | SRC_PATH SERVICE:DEST_PATH')
    .option('--index <n>', 'which container of the service', '1')
    .argument('<source>')
    .argument('<destination>')
    .action(async function (this: Command, source: string, destination: string) {
      const flags = this.opts<{ index: string }>();
      const index = parseIndex(flags.index);
      const args = parseCpArgs(source, destination);
      const s = await openSession(this, io, { services: [args.service] });
      try {
        if (s.project.services[args.service] === undefined) throw new UsageError(`no such service: ${args.service}`);
        const observed = await observeSession(s);
        const c = serviceContainer(observed, args.service, index, { running: false });
        const engine = s.engines[c.host];
        if (engine === undefined) throw new TsfigError(`host ${c.host} is not connected`);
        const hostPath = resolve(io.cwd, args.hostPath) + (/[/\\]$/.test(args.hostPath) ? '/' : '') + (contentsOnly(args.hostPath) ? '/.' : '');
        const warn = (m: string): void => io.stderr(`warning: ${m}\n`);
        if (args.direction === 'from') await copyFromContainer(engine, c.id, c.name, args.containerPath, hostPath, warn);
        else await copyToContainer(engine, c.id, c.name, hostPath, args.containerPath, warn);
      } finally {
        s.dispose();
      }
    });
}
