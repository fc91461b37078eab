/**
 * The parts of OpenSSH's client configuration (`~/.ssh/config`, ssh_config(5)) that choose
 * where an `ssh://` endpoint goes: `Host` blocks (patterns with `*`, `?`, `!`; several per
 * line), `HostName`, `User`, `Port`, `IdentityFile` (all of them, in order), and `Include`.
 * As ssh does, the first value obtained for a keyword wins (IdentityFile accumulates).
 * `Match` takes `all`, `host`, `originalhost`, `user` and `localuser` criteria (`!` negates);
 * a block with any other criterion (`exec`, `canonical`, ...) is skipped.
 *
 * Pure apart from the injected reader (Include); tested in test/unit/engine-sshconfig.test.ts.
 */
import { basename, dirname, isAbsolute, join } from 'node:path';

export interface SshHostConfig {
  /** Where ssh connects: HostName (its `%h` expanded) or the alias, lower-cased as ssh does. */
  hostName: string;
  user?: string;
  port?: number;
  identityFiles: string[];
}

export interface SshConfigReader {
  /** A file's text, or undefined when it cannot be read. */
  read: (path: string) => string | undefined;
  /** Entries of a folder (for `Include dir/*`), or [] when it cannot be listed. */
  list: (dir: string) => string[];
}

/** ssh's `Host` pattern matching: `*`, `?`, case-sensitive (OpenSSH's match_pattern). */
function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

/** A `Host` line's patterns against the alias: one positive match and no negated one. */
export function hostMatches(patterns: string[], alias: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), alias)) return false;
    } else if (globMatch(p, alias)) {
      matched = true;
    }
  }
  return matched;
}

/** `Key value`, `Key=value`, `Key = "value with spaces"`: the keyword (lower case) and its arguments. */
function splitLine(line: string): { key: string; args: string[] } | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(text);
  if (m === null) return { key: text.toLowerCase(), args: [] };
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let a = re.exec(m[2] ?? ''); a !== null; a = re.exec(m[2] ?? '')) args.push(a[1] ?? a[2] ?? '');
  return { key: (m[1] ?? '').toLowerCase(), args };
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

/** ssh's tokens in IdentityFile: `%d` home, `%u` local user, `%h` host name, `%r` remote user, `%%`. */
function expandTokens(value: string, t: { home: string; localUser: string; host: string; remoteUser: string }): string {
  return value.replace(/%([%duhr])/g, (_all, c: string) => (c === '%' ? '%' : c === 'd' ? t.home : c === 'u' ? t.localUser : c === 'h' ? t.host : t.remoteUser));
}

/**
 * The settings for `alias` from the config text at `path` (and its Includes, at most 16 deep).
 * Values are as written, apart from IdentityFile's `~` and `%` tokens, expanded once the host
 * and user are known.
 */
export function lookupSshConfig(
  path: string,
  alias: string,
  opts: { home: string; localUser: string; reader: SshConfigReader },
): SshHostConfig {
  const found: { hostName?: string; user?: string; port?: number; identities: string[] } = { identities: [] };
  const visit = (file: string, depth: number, active: { on: boolean }) => {
    const text = opts.reader.read(file);
    if (text === undefined || depth > 16) return;
    for (const line of text.split(/\r?\n/)) {
      const parsed = splitLine(line);
      if (parsed === undefined) continue;
      const { key, args } = parsed;
      if (key === 'host') {
        active.on = hostMatches(args, alias);
        continue;
      }
      if (key === 'match') {
        active.on = matchBlock(args, { alias, host: found.hostName?.replace(/%h/g, alias) ?? alias, user: found.user ?? opts.localUser, localUser: opts.localUser });
        continue;
      }
      if (key === 'include') {
        if (!active.on) continue;
        for (const arg of args) {
          const p = expandHome(arg, opts.home);
          const full = isAbsolute(p) ? p : join(opts.home, '.ssh', p);
          const files = /[*?]/.test(basename(full)) ? opts.reader.list(dirname(full)).filter((n) => globMatch(basename(full), n)).sort().map((n) => join(dirname(full), n)) : [full];
          // An included file's Host lines apply within it; the including block goes on after.
          for (const f of files) visit(f, depth + 1, { on: true });
        }
        continue;
      }
      if (!active.on || args.length === 0) continue;
      const value = args[0] ?? '';
      if (key === 'hostname') found.hostName ??= value;
      else if (key === 'user') found.user ??= value;
      else if (key === 'port') {
        const n = Number(value);
        if (found.port === undefined && Number.isInteger(n) && n > 0 && n < 65536) found.port = n;
      } else if (key === 'identityfile') found.identities.push(value);
    }
  };
  visit(path, 0, { on: true });
  // ssh connects to the HostName (or the alias), lower-cased.
  const host = (found.hostName !== undefined ? found.hostName.replace(/%h/g, alias) : alias).toLowerCase();
  return {
    hostName: host,
    ...(found.user !== undefined ? { user: found.user } : {}),
    ...(found.port !== undefined ? { port: found.port } : {}),
    identityFiles: found.identities,
  };
}

/** An IdentityFile value as ssh opens it: `~` and the `%` tokens expanded. */
export function expandIdentityFile(value: string, t: { home: string; localUser: string; host: string; remoteUser: string }): string {
  return expandHome(expandTokens(value, t), t.home);
}

/** A `Match` line's criteria, all of which must hold (ssh_config(5)). */
function matchBlock(args: string[], t: { alias: string; host: string; user: string; localUser: string }): boolean {
  if (args.length === 1 && args[0]?.toLowerCase() === 'all') return true;
  for (let i = 0; i < args.length; i++) {
    let crit = (args[i] ?? '').toLowerCase();
    const negate = crit.startsWith('!');
    if (negate) crit = crit.slice(1);
    if (crit === 'all') {
      if (negate) return false;
      continue;
    }
    const value = args[++i];
    if (value === undefined) return false;
    const subject = crit === 'host' ? t.host : crit === 'originalhost' ? t.alias : crit === 'user' ? t.user : crit === 'localuser' ? t.localUser : undefined;
    if (subject === undefined) return false;
    const hit = hostMatches(value.split(','), subject);
    if (hit === negate) return false;
  }
  return true;
}
