/**
 * Compose merge rules for `-f a -f b` and `extends`, applied to canonical trees:
 * scalars and most lists are replaced, maps are merged key by key, a few lists are appended
 * (without duplicates), `volumes`/`devices` are merged by target, `secrets`/`configs` by source.
 * Positions travel with the values, so errors found after merging still point at the file
 * that wrote the value.
 */
import { copyLoc, isTree, marksOf, newTree, put, setLoc, valueLoc, type Tree } from './tree.js';

/** Service lists that are appended, not replaced. */
const APPENDED = new Set([
  'ports',
  'expose',
  'dns',
  'dns_search',
  'dns_opt',
  'external_links',
  'tmpfs',
  'cap_add',
  'cap_drop',
  'security_opt',
  'group_add',
  'extra_hosts',
  'links',
  'volumes_from',
  'device_cgroup_rules',
  'profiles',
  'envFromFile',
  'env_file',
]);

/** Service lists merged by a key of their items. */
const KEYED: Record<string, (item: unknown) => string> = {
  volumes: (v) => (isTree(v) ? String(v.target) : String(v)),
  devices: (v) => (isTree(v) ? String(v.target ?? v.source) : String(v).split(':')[1] ?? String(v)),
  secrets: (v) => (isTree(v) ? String(v.source) : String(v)),
  configs: (v) => (isTree(v) ? String(v.source) : String(v)),
};

/** A new map with the same entries and positions. */
function shallowCopy(t: Tree): Tree {
  const out = newTree(t);
  for (const [k, v] of Object.entries(t)) {
    put(out, k, v);
    copyLoc(t, k, out, k);
  }
  return out;
}

/**
 * A copy of `base` without the keys `over` tags `!reset` or `!override` (docker compose 2.24+):
 * a reset key is gone, an overridden one is then set by `over` as if `base` had not had it.
 */
function baseFor(base: Tree, over: Tree): Tree {
  const out = shallowCopy(base);
  for (const k of marksOf(over).keys()) delete out[k];
  return out;
}

/** Merge two canonical services; `over` wins. */
export function mergeService(base: Tree, over: Tree): Tree {
  const out = baseFor(base, over);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (APPENDED.has(k) && Array.isArray(b) && Array.isArray(v)) {
      put(out, k, appendUnique(b, v));
    } else if (KEYED[k] && Array.isArray(b) && Array.isArray(v)) {
      put(out, k, mergeKeyed(b, v, KEYED[k]));
    } else if (isTree(b) && isTree(v)) {
      put(out, k, mergeMaps(b, v));
    } else if (v === null && isTree(b)) {
      continue;
    } else {
      put(out, k, v);
    }
    copyLoc(over, k, out, k);
  }
  return out;
}

/** Deep merge of maps; lists inside are replaced. */
export function mergeMaps(base: Tree, over: Tree): Tree {
  const out = baseFor(base, over);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (isTree(b) && isTree(v)) put(out, k, mergeMaps(b, v));
    else if (v === null && isTree(b)) continue;
    else put(out, k, v);
    copyLoc(over, k, out, k);
  }
  return out;
}

function appendUnique(a: unknown[], b: unknown[]): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<string>();
  const add = (src: unknown[], i: number) => {
    const key = JSON.stringify(src[i]);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(src[i]);
    setLoc(out, out.length - 1, valueLoc(src, i));
  };
  a.forEach((_, i) => add(a, i));
  b.forEach((_, i) => add(b, i));
  return out;
}

function mergeKeyed(a: unknown[], b: unknown[], keyOf: (v: unknown) => string): unknown[] {
  const out: unknown[] = [];
  const index = new Map<string, number>();
  const add = (src: unknown[], i: number) => {
    const k = keyOf(src[i]);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(src[i]);
      setLoc(out, out.length - 1, valueLoc(src, i));
    } else {
      out[at] = src[i];
      setLoc(out, at, valueLoc(src, i));
    }
  };
  a.forEach((_, i) => add(a, i));
  b.forEach((_, i) => add(b, i));
  return out;
}

/** Merge whole structured files: services by name, other top-level maps deeply, scalars replaced. */
export function mergeFiles(base: Tree, over: Tree): Tree {
  const out = baseFor(base, over);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (k === 'services' && isTree(b) && isTree(v)) {
      const services = baseFor(b, v);
      for (const [name, s] of Object.entries(v)) {
        const prev = services[name];
        put(services, name, isTree(prev) && isTree(s) ? mergeService(prev, s) : s);
        if (!isTree(prev)) copyLoc(v, name, services, name);
      }
      put(out, k, services);
    } else if (isTree(b) && isTree(v)) {
      put(out, k, mergeMaps(b, v));
    } else if (v === null && isTree(b)) {
      continue;
    } else {
      put(out, k, v);
    }
    copyLoc(over, k, out, k);
  }
  return out;
}
