/**
 * Who owns synced files in a container: its user, as the container runs it (`user:` of the
 * service, else the image's `USER`), resolved like runc does against the container's own
 * /etc/passwd and /etc/group. Files and directories a sync creates belong to that user (as
 * docker compose's sync does with CopyUIDGID), so a non-root process can rewrite them.
 * Building the owner into the tar headers, instead of asking the engine to map it, also works
 * for `uid:gid` users that older engines cannot map.
 */
import type { Engine } from '../engine/engine.js';
import { readTar } from '../engine/tar.js';

export interface Owner {
  uid: number;
  gid: number;
}

export const ROOT: Owner = { uid: 0, gid: 0 };

const NUMERIC = /^\d+$/;

/** `name:x:uid:gid:...` lines (passwd) or `name:x:gid:...` lines (group): name -> [id, primary gid]. */
function table(text: string | undefined, idField: number): Array<{ name: string; id: number; gid: number }> {
  const out: Array<{ name: string; id: number; gid: number }> = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(':');
    if (f.length <= idField || f[0] === '' || line.trim().startsWith('#')) continue;
    const id = Number(f[idField]);
    const gid = Number(f[idField + 1]);
    if (Number.isInteger(id)) out.push({ name: f[0]!, id, gid: Number.isInteger(gid) ? gid : 0 });
  }
  return out;
}

/** Does `user` (`NAME|UID[:GROUP|GID]`) need the container's passwd or group file? */
export function needsLookup(user: string): { passwd: boolean; group: boolean } {
  const [u = '', g] = user.split(':', 2);
  return { passwd: u !== '' && (!NUMERIC.test(u) || g === undefined), group: g !== undefined && g !== '' && !NUMERIC.test(g) };
}

/**
 * The owner for `user`, or a message when the container's files do not name it. A numeric uid
 * not in passwd gets gid 0 (runc's default); a numeric gid is taken as it is.
 */
export function resolveOwner(user: string, passwd?: string, group?: string): Owner | string {
  const spec = user.trim();
  if (spec === '') return ROOT;
  const [u = '', g] = spec.split(':', 2);
  let uid: number;
  let gid = 0;
  const users = table(passwd, 2);
  if (NUMERIC.test(u)) {
    uid = Number(u);
    gid = users.find((x) => x.id === uid)?.gid ?? 0;
  } else {
    const entry = users.find((x) => x.name === u);
    if (!entry) return `no user ${u} in the container's /etc/passwd`;
    uid = entry.id;
    gid = entry.gid;
  }
  if (g !== undefined && g !== '') {
    if (NUMERIC.test(g)) gid = Number(g);
    else {
      const entry = table(group, 2).find((x) => x.name === g);
      if (!entry) return `no group ${g} in the container's /etc/group`;
      gid = entry.id;
    }
  }
  return { uid, gid };
}

/** A small file of the container (its first tar entry), or undefined when it cannot be read. */
async function readContainerFile(engine: Engine, id: string, path: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const archive = await engine.getArchive(id, path, signal ? { signal } : {});
    for await (const entry of readTar(archive.stream)) {
      const chunks: Buffer[] = [];
      for await (const c of entry.body) chunks.push(c);
      return Buffer.concat(chunks).toString('utf8');
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The owner of files synced into container `id`; with the reason when it falls back to root. */
export async function containerOwner(engine: Engine, id: string, signal?: AbortSignal): Promise<{ owner: Owner; problem?: string }> {
  const info = await engine.inspectContainer(id, signal ? { signal } : {});
  const user = info.config.user.trim();
  if (user === '' || user === 'root' || user === '0' || user === '0:0') return { owner: ROOT };
  const need = needsLookup(user);
  const [passwd, group] = await Promise.all([
    need.passwd ? readContainerFile(engine, id, '/etc/passwd', signal) : Promise.resolve(undefined),
    need.group ? readContainerFile(engine, id, '/etc/group', signal) : Promise.resolve(undefined),
  ]);
  const r = resolveOwner(user, passwd, group);
  return typeof r === 'string' ? { owner: ROOT, problem: `user ${user}: ${r}` } : { owner: r };
}
