/**
 * `sync`: changed host files into running containers through the engine's archive API (one tar
 * upload per container, no tools needed in the image), deletions through one `rm -rf` exec.
 *
 * - The tar carries each file's permission bits and modification time, so the container's copy
 *   has the host's mode and mtime, and the container's user as owner (owner.ts: root when it
 *   runs as root); directories created on the host are created with their mode; symbolic links
 *   are copied as links, never followed.
 * - What to send is decided when the batch is handled, from the file system as it is then: a
 *   path that no longer exists is deleted in the container, whatever events came before. A
 *   directory goes with everything under it that its rule covers: the watcher reports a new
 *   directory's files only once it watches that directory, and files written before then
 *   (a tight loop writing 1000 files into a new directory) would otherwise never be sent.
 * - The initial sync compares a manifest of the container's copy (names, sizes, modes, mtimes
 *   from the engine's archive of the target) with the host tree, and sends only what differs:
 *   files changed while nobody watched, and everything a fresh container lacks.
 */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import type { Engine } from '../engine/engine.js';
import { readTar, writeTar, type TarInput } from '../engine/tar.js';
import { EngineError } from '../errors.js';
import { isNotFound } from '../engine/errors.js';
import type { SyncItem } from './plan.js';
import { canPrune, matchRule, type CompiledRule } from './rules.js';
import { ROOT, type Owner } from './owner.js';

/** Files up to this size are read into memory when the batch is handled (the tar size is then exact). */
const BUFFER_LIMIT = 8 * 1024 * 1024;
/** Archives up to this size are built once and sent to every container as one buffer. */
const ARCHIVE_BUFFER_LIMIT = 32 * 1024 * 1024;
/** Paths per `rm -rf` exec. */
const RM_CHUNK = 200;

export interface SyncEntry {
  /** Absolute path in the container. */
  containerPath: string;
  hostPath: string;
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits. */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  linkname?: string;
  /** The content of a small file, read when the batch was handled. */
  content?: Buffer;
}

export interface SyncSet {
  /** What to upload, parents before children. */
  entries: SyncEntry[];
  /** Container paths to remove (none below another). */
  deletes: string[];
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function entryOf(item: SyncItem, st: Stats): Omit<SyncEntry, 'type'> {
  return {
    containerPath: item.containerPath,
    hostPath: item.hostPath,
    mode: st.mode & 0o7777,
    mtime: Math.floor(st.mtimeMs / 1000),
    size: 0,
  };
}

/**
 * Read the host side of `items` now: what to upload and what to delete. A directory item with
 * its rule brings what is under it (`exclude`: host paths never synced, as for the initial sync).
 */
export async function collectSync(items: SyncItem[], exclude: ReadonlySet<string> = new Set()): Promise<SyncSet> {
  const entries: SyncEntry[] = [];
  const deletes: string[] = [];
  const seen = new Set(items.map((i) => i.containerPath));
  const below: SyncItem[] = [];
  const walkBelow = async (item: SyncItem): Promise<void> => {
    if (!item.rule) return;
    for (const f of await walkRule(item.rule, exclude, { from: item.hostPath, dirs: true })) {
      if (seen.has(f.containerPath)) continue;
      seen.add(f.containerPath);
      below.push({ hostPath: f.hostPath, containerPath: f.containerPath });
    }
  };
  const collect = (list: SyncItem[]) =>
    list.map(async (item) => {
      let st: Stats;
      try {
        st = await lstat(item.hostPath);
      } catch (err) {
        if (isMissing(err)) deletes.push(item.containerPath);
        else throw err;
        return;
      }
      const base = entryOf(item, st);
      if (st.isDirectory()) {
        entries.push({ ...base, type: 'directory' });
        await walkBelow(item);
      } else if (st.isSymbolicLink()) {
        entries.push({ ...base, type: 'symlink', linkname: await readlink(item.hostPath) });
      } else if (st.isFile()) {
        if (st.size <= BUFFER_LIMIT) {
          let content: Buffer;
          try {
            content = await readFile(item.hostPath);
          } catch (err) {
            if (isMissing(err)) deletes.push(item.containerPath);
            else throw err;
            return;
          }
          entries.push({ ...base, type: 'file', size: content.length, content });
        } else {
          entries.push({ ...base, type: 'file', size: st.size });
        }
      }
      // sockets, FIFOs, devices: not synced
    });
  await Promise.all(collect(items));
  await Promise.all(collect(below));
  entries.sort((a, b) => (a.containerPath < b.containerPath ? -1 : a.containerPath > b.containerPath ? 1 : 0));
  return { entries, deletes: topmost(deletes) };
}

/** Drop paths that lie below another path of the list (`rm -rf` of the parent covers them). */
export function topmost(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  const out: string[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && (p === last || p.startsWith(last === '/' ? '/' : `${last}/`))) continue;
    out.push(p);
  }
  return out;
}

function tarInputs(entries: SyncEntry[], owner: Owner): TarInput[] {
  return entries.map((e) => {
    const header = { name: e.containerPath.replace(/^\/+/, ''), type: e.type, mode: e.mode, mtime: e.mtime, size: e.size, uid: owner.uid, gid: owner.gid, ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
    if (e.type !== 'file') return { header };
    return { header, body: e.content ?? (createReadStream(e.hostPath) as AsyncIterable<Buffer>) };
  });
}

/** The upload archive for an owner: a buffer when small (built once per owner, sent to every container as is), else a fresh stream per call. */
export type SyncArchive = (owner: Owner) => Promise<Buffer | NodeJS.ReadableStream>;

export function syncArchive(set: SyncSet): SyncArchive {
  const total = set.entries.reduce((n, e) => n + e.size + 1024, 1024);
  const built = new Map<string, Promise<Buffer>>();
  return async (owner) => {
    if (total > ARCHIVE_BUFFER_LIMIT) return Readable.from(writeTar(tarInputs(set.entries, owner)));
    const key = `${owner.uid}:${owner.gid}`;
    let buf = built.get(key);
    if (!buf) {
      buf = (async () => {
        const chunks: Buffer[] = [];
        for await (const c of writeTar(tarInputs(set.entries, owner))) chunks.push(c);
        return Buffer.concat(chunks);
      })();
      built.set(key, buf);
    }
    return buf;
  };
}

export interface TargetContainer {
  id: string;
  name: string;
  engine: Engine;
  /** Deletions need a running container (they are an exec); uploads do not. */
  running: boolean;
  /** Who owns what is synced (default root). */
  owner?: () => Promise<Owner>;
}

/** Apply a sync set to one container: deletions first, then one upload at `/`. */
export async function applySync(c: TargetContainer, set: SyncSet, archive: SyncArchive | undefined, signal?: AbortSignal): Promise<void> {
  if (set.deletes.length && c.running) {
    for (let i = 0; i < set.deletes.length; i += RM_CHUNK) {
      const chunk = set.deletes.slice(i, i + RM_CHUNK);
      const r = await c.engine.exec(c.id, { cmd: ['rm', '-rf', '--', ...chunk], ...(signal ? { signal } : {}) });
      if (r.exitCode !== 0) throw new EngineError(`deleting ${chunk.length} ${chunk.length === 1 ? 'path' : 'paths'} in ${c.name}: rm exited ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`);
    }
  }
  if (set.entries.length && archive) await c.engine.putArchive(c.id, '/', await archive(c.owner ? await c.owner() : ROOT), signal ? { signal } : {});
}

// ---------------------------------------------------------------- initial sync

export interface ManifestEntry {
  type: 'file' | 'directory' | 'symlink' | 'link' | 'other';
  size: number;
  mode: number;
  mtime: number;
  linkname: string;
}

/** What the container has at `target` (absolute container paths). Empty when the target does not exist. */
export async function containerManifest(engine: Engine, id: string, target: string, signal?: AbortSignal): Promise<Map<string, ManifestEntry>> {
  const out = new Map<string, ManifestEntry>();
  let archive;
  try {
    archive = await engine.getArchive(id, target, signal ? { signal } : {});
  } catch (err) {
    if (isNotFound(err)) return out;
    throw err;
  }
  const parent = posix.dirname(target);
  for await (const e of readTar(archive.stream)) {
    const name = e.header.name.replace(/^\.\//, '');
    if (name === '' || name === '.') continue;
    out.set(posix.join(parent, name), { type: e.header.type, size: e.header.size, mode: e.header.mode, mtime: e.header.mtime, linkname: e.header.linkname });
  }
  return out;
}

export interface HostFile {
  hostPath: string;
  containerPath: string;
  type: 'file' | 'symlink' | 'directory';
  size: number;
  mode: number;
  /** Seconds. */
  mtime: number;
  linkname?: string;
}

/** Does the container's copy differ from the host file? (Missing, other type, size, mode, mtime to the second, link target.) */
export function differs(host: HostFile, c: ManifestEntry | undefined): boolean {
  if (!c) return true;
  if (host.type !== c.type) return true;
  if (host.type === 'symlink') return host.linkname !== c.linkname;
  return host.size !== c.size || (host.mode & 0o777) !== (c.mode & 0o777) || host.mtime !== c.mtime;
}

/**
 * The files and links a sync rule covers on the host (ignored trees skipped), with where they go.
 * `exclude`: host paths never synced by an initial sync (project files, Dockerfiles).
 * `from`: walk below this directory of the rule's tree only (default the rule's path), not
 * including it; `dirs`: list the directories below it too (parents before children).
 */
export async function walkRule(rule: CompiledRule, exclude: ReadonlySet<string>, opts: { from?: string; dirs?: boolean } = {}): Promise<HostFile[]> {
  const out: HostFile[] = [];
  const start = opts.from ?? rule.path;
  const visit = async (path: string, st: Stats): Promise<void> => {
    if (exclude.has(path)) return;
    if (st.isDirectory()) {
      if (path !== rule.path && canPrune(rule, path)) return;
      if (opts.dirs && path !== start) {
        const m = matchRule(rule, path);
        if (m?.containerPath) out.push({ hostPath: path, containerPath: m.containerPath, type: 'directory', size: 0, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) });
      }
      let names: string[];
      try {
        names = await readdir(path);
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const n of names.sort()) {
        const child = join(path, n);
        let cst: Stats;
        try {
          cst = await lstat(child);
        } catch (err) {
          if (isMissing(err)) continue;
          throw err;
        }
        await visit(child, cst);
      }
      return;
    }
    if (!st.isFile() && !st.isSymbolicLink()) return;
    const m = matchRule(rule, path);
    if (!m?.containerPath) return;
    const f: HostFile = {
      hostPath: path,
      containerPath: m.containerPath,
      type: st.isFile() ? 'file' : 'symlink',
      size: st.isFile() ? st.size : 0,
      mode: st.mode & 0o7777,
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (f.type === 'symlink') f.linkname = await readlink(path);
    out.push(f);
  };
  let root: Stats;
  try {
    root = await lstat(start);
  } catch (err) {
    if (isMissing(err)) return out;
    throw err;
  }
  if (start !== rule.path && !root.isDirectory()) return out;
  await visit(start, root);
  return out;
}
