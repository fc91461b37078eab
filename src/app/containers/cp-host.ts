/**
 * The host side of `cp`: a host path packed into tar entries, and tar entries unpacked under a
 * host directory. Regular files, directories and symbolic links (hard links become copies when
 * they cannot be made); other kinds are skipped with a warning. Unpacking never writes outside
 * the destination: absolute names and `..` are refused, and symbolic links are made last, so no
 * entry of the archive is written through one.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, rm, stat, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { TsfigError } from '../../errors.js';
import type { TarEntry, TarInput } from '../../backend/index.js';

/** Go's os.FileMode bits, as the engine reports them in an archive stat. */
export function isDirMode(mode: number): boolean {
  return Math.floor(mode / 2 ** 31) % 2 === 1;
}

export function isSymlinkMode(mode: number): boolean {
  return Math.floor(mode / 2 ** 27) % 2 === 1;
}

/**
 * Tar entries for the host path `src`, its root named `root` (`''`: only what is inside the
 * directory, for `SRC/.`).
 */
export async function* hostEntries(src: string, root: string, warn: (message: string) => void, opts: { archive?: boolean; followLink?: boolean } = {}): AsyncGenerator<TarInput> {
  async function* walk(path: string, name: string): AsyncGenerator<TarInput> {
    // -L: SRC itself is followed when it is a link (links inside it stay links).
    const st = opts.followLink === true && path === src ? await stat(path) : await lstat(path);
    // -a: the files' owners go with them (the engine keeps them with copyUIDGID).
    const owner = opts.archive === true ? { uid: st.uid, gid: st.gid } : {};
    const common = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), ...owner };
    if (st.isDirectory()) {
      if (name !== '') yield { header: { name, type: 'directory', ...common } };
      const children = (await readdir(path)).sort();
      for (const child of children) yield* walk(join(path, child), name === '' ? child : `${name}/${child}`);
    } else if (st.isFile()) {
      yield { header: { name, type: 'file', size: st.size, ...common }, body: createReadStream(path) };
    } else if (st.isSymbolicLink()) {
      yield { header: { name, type: 'symlink', linkname: await readlink(path), ...common } };
    } else {
      warn(`skipping ${path}: not a file, directory or symbolic link`);
    }
  }
  yield* walk(src, root);
}

/** Where an archive entry goes: its root component replaced by `root` (`''`: dropped). */
export function mapEntryName(name: string, archiveRoot: string, root: string): string[] | undefined {
  if (name.startsWith('/')) throw new TsfigError(`refusing archive entry with an absolute path: ${name}`);
  const parts = name.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..')) throw new TsfigError(`refusing archive entry outside its folder: ${name}`);
  // Everything in the engine's archive is under its root (`.` for `dir/.`).
  if (parts[0] !== archiveRoot) return undefined;
  const rest = parts.slice(1).filter((p) => p !== '.');
  return root === '' ? rest : [root, ...rest];
}

async function removeIfLink(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink() || (!st.isDirectory() && !st.isFile())) await rm(path, { force: true });
  } catch {
    // Missing: fine.
  }
}

/**
 * Unpack `entries` under the host directory `dest`, the archive's root (`archiveRoot`)
 * renamed to `root` (`''`: its content goes straight into dest).
 */
export async function extractEntries(entries: AsyncIterable<TarEntry>, dest: string, archiveRoot: string, root: string, warn: (message: string) => void): Promise<void> {
  const dirs: Array<{ path: string; mode: number; mtime: number }> = [];
  const links: Array<{ path: string; target: string; hard: boolean }> = [];
  for await (const { header, body } of entries) {
    const parts = mapEntryName(header.name, archiveRoot, root);
    if (parts === undefined) continue;
    const path = parts.length === 0 ? dest : join(dest, ...parts);
    switch (header.type) {
      case 'directory':
        await removeIfLink(path);
        await mkdir(path, { recursive: true });
        dirs.push({ path, mode: header.mode, mtime: header.mtime });
        break;
      case 'file': {
        if (parts.length === 0) throw new TsfigError(`cannot write a file over the folder ${dest}`);
        await mkdir(join(path, '..'), { recursive: true });
        await removeIfLink(path);
        await pipeline(Readable.from(body), createWriteStream(path, { mode: header.mode & 0o777 }));
        await chmod(path, header.mode & 0o7777);
        await utimes(path, header.mtime, header.mtime);
        break;
      }
      case 'symlink':
      case 'link': {
        if (parts.length === 0) break;
        const hard = header.type === 'link';
        let target = header.linkname;
        if (hard) {
          const t = mapEntryName(target, archiveRoot, root);
          if (t === undefined) {
            warn(`skipping hard link ${header.name}: its target ${target} is outside the copy`);
            break;
          }
          target = join(dest, ...t);
        }
        links.push({ path, target, hard });
        break;
      }
      default:
        warn(`skipping ${header.name}: not a file, directory or link`);
    }
  }
  for (const l of links) {
    await mkdir(join(l.path, '..'), { recursive: true });
    await rm(l.path, { force: true });
    if (!l.hard) await symlink(l.target, l.path);
    else await link(l.target, l.path).catch(() => copyFile(l.target, l.path));
  }
  // Deepest first, so a read-only folder is made read-only after its content is written.
  for (const d of dirs.reverse()) {
    await chmod(d.path, d.mode & 0o7777);
    await utimes(d.path, d.mtime, d.mtime);
  }
}
