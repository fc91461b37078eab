/**
 * Flags shared by up, create, plan, scale, down and the lifecycle commands, parsed into the
 * application's options. Parsing only: what they mean is app/'s.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { ignoreOrphansSetting, removeOrphansSetting } from '../settings.js';
import type { PullMode, ReconcileOptions } from '../app/converge.js';
import { dict } from '../model/dict.js';
import { collect } from './context.js';
import { VERSION } from './version.js';

/** commander files `--no-attach X` under `attach` unless told otherwise. */
export class NoAttachOption extends Option {
  override attributeName(): string {
    return 'noAttach';
  }
}

export interface UpFlags {
  detach?: boolean;
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  attach?: string[];
  noAttach?: string[];
  timestamps?: boolean;
  logPrefix?: boolean;
  color?: boolean;
  noDeps?: boolean;
  forceRecreate?: boolean;
  recreate?: boolean;
  start?: boolean;
  renewAnonVolumes?: boolean;
  scale?: string[];
  removeOrphans?: boolean;
  forceRecreateVolumes?: boolean;
  timeout?: string;
  wait?: boolean;
  waitTimeout?: string;
  dryRun?: boolean;
  parallel?: string;
  /** `--build` (true) / `--no-build` (false). */
  build?: boolean;
  pull?: string;
  watch?: boolean;
  alwaysRecreateDeps?: boolean;
  attachDependencies?: boolean;
  quietPull?: boolean;
  quietBuild?: boolean;
  yes?: boolean;
  /** The global `--all-resources`. */
  allResources?: boolean;
}

const PULL_MODES: readonly PullMode[] = ['always', 'missing', 'never'];

export function parsePullMode(v: string | undefined): PullMode | undefined {
  if (v === undefined) return undefined;
  if (!(PULL_MODES as readonly string[]).includes(v)) throw new UsageError(`invalid --pull "${v}": use always, missing or never`);
  return v as PullMode;
}

export function parseScale(specs: string[] | undefined): Record<string, number> {
  const out: Record<string, number> = dict();
  for (const s of specs ?? []) {
    const m = /^([^=]+)=(\d+)$/.exec(s);
    if (!m) throw new UsageError(`invalid scale "${s}": use SERVICE=N`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid timeout "${v}": use whole seconds`);
  return n;
}

/** Shared by up, plan and scale: the reconcile options from flags. */
export function reconcileOptions(flags: UpFlags, services: string[], env: Record<string, string | undefined>): ReconcileOptions {
  if (flags.forceRecreate && flags.recreate === false) throw new UsageError('--force-recreate and --no-recreate cannot be used together');
  if (flags.alwaysRecreateDeps && flags.recreate === false) throw new UsageError('--always-recreate-deps and --no-recreate cannot be used together');
  const timeout = parseTimeout(flags.timeout);
  const pull = parsePullMode(flags.pull);
  return {
    version: VERSION,
    build: flags.build === true ? 'always' : flags.build === false ? 'never' : 'auto',
    ...(pull !== undefined ? { pull } : {}),
    buildEnv: env,
    services,
    noDeps: Boolean(flags.noDeps),
    forceRecreate: Boolean(flags.forceRecreate),
    ...(flags.alwaysRecreateDeps ? { alwaysRecreateDeps: true } : {}),
    ...(flags.allResources ? { allResources: true } : {}),
    noRecreate: flags.recreate === false,
    noStart: flags.start === false,
    renewAnonVolumes: Boolean(flags.renewAnonVolumes),
    recreateVolumes: Boolean(flags.forceRecreateVolumes),
    removeOrphans: Boolean(flags.removeOrphans) || removeOrphansSetting(env),
    ignoreOrphans: ignoreOrphansSetting(env),
    scale: parseScale(flags.scale),
    ...(timeout !== undefined ? { timeout } : {}),
  };
}

export function addConvergeOptions(cmd: Command): Command {
  return cmd
    .option('--no-deps', "don't start the services the named services depend on")
    .option('--force-recreate', 'recreate containers even if nothing changed')
    .option('--no-recreate', "don't recreate containers that exist, even if they changed")
    .option('--no-start', 'create, but do not start')
    .option('-V, --renew-anon-volumes', 'new anonymous volumes instead of the previous containers\' ones')
    .addOption(new Option('--scale <service=n>', 'run N containers of a service (repeatable)').argParser(collect))
    .option('--remove-orphans', 'remove containers of services no longer in the file (TSFIG_REMOVE_ORPHANS)')
    .option('--force-recreate-volumes', 'make volumes whose definition changed anew: their data is deleted')
    .option('-t, --timeout <seconds>', "seconds a container has to stop when replaced (and, attached, on Ctrl-C or abort) before it is killed (default: its stop_grace_period, else 10)")
    .option('--parallel <n>', 'operations in flight at most (TSFIG_PARALLEL_LIMIT, default 8)')
    .option('--build', 'build the images of services with build: before starting')
    .option('--no-build', "don't build images, even missing ones")
    .option('--pull <policy>', "pull images: always, missing or never (over each service's pull_policy)");
}
