/**
 * The orchestrator backend: what the application layer (app/) needs from a runtime to observe
 * a project, plan a change (up, create, scale, down, the lifecycle commands) and carry it out
 * with progress events, and to check the runtime's health (doctor).
 *
 * Today's backend is "engine" (backend/engine/: containers on one or several engines, the
 * VXLAN overlay included). A second one (swarm: services and tasks on a swarm manager) plugs
 * in through `backend/select.ts` without touching cli/ or app/.
 *
 * Plans and observed states are the reconciler's values; the application layer reads only
 * their plain parts (warnings, errors, groups, which hosts answered), never their operations.
 */
import type { Project, Service } from '../model/project.js';
import type { HostEngine } from '../reconcile/observe.js';
import type { DownOptions, LifecycleOptions } from '../reconcile/lifecycle.js';
import type { Plan, PlanGroup } from '../reconcile/plan.js';
import type { ReconcileOptions } from '../reconcile/reconcile.js';
import type { ObservedContainer, ObservedHost, ObservedState } from '../reconcile/state.js';
import type { WaitTarget } from '../reconcile/wait.js';
import type { ProgressEvent, ResourceRef } from '../ui/events.js';

export type { DownOptions, LifecycleOptions, ObservedContainer, ObservedHost, ObservedState, Plan, PlanGroup, ReconcileOptions, WaitTarget };
export type { PullMode } from '../reconcile/images.js';

/** One host of the project and its engine (connected on first use). */
export type { HostEngine };

/** What a backend works with: fixed for one command. */
export interface BackendContext {
  project: Project;
  hosts: HostEngine[];
  /** Ctrl-C: nothing new starts once it aborts. */
  signal: AbortSignal;
  /** The environment (registry credentials, image parallelism settings). */
  env: Record<string, string | undefined>;
  /** Operations in flight at most. */
  parallel: number;
}

/**
 * What an observation is for: up and plan need images and external resources; down, the overlay
 * state; the read-only container commands (ps, logs, exec, port, cp), the containers only.
 */
export type ObserveFor = 'status' | 'up' | 'down' | 'containers';

export type LifecycleVerb = 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'rm';

export interface LifecycleRequest extends LifecycleOptions {
  /** restart: not the dependents (`--no-deps`). */
  noDeps?: boolean;
  /** kill: the signal. */
  signal?: string;
  /** kill: orphans too; else, unless ignored, a warning about them. */
  removeOrphans?: boolean;
  ignoreOrphans?: boolean;
  /** rm: stop running containers first; remove anonymous volumes. */
  stop?: boolean;
  volumes?: boolean;
}

/** A step that ran to the end, as the user reads it: `recreated web-1`. */
export interface DoneStep {
  resource: ResourceRef;
  /** Past participle, lower case (`recreated`, `built`); waits are not listed. */
  did: string;
}

export interface ApplyOptions {
  onEvent?: (e: ProgressEvent) => void;
  /** Build output prefixes padded to the longest service name being built (the CLI's look). */
  alignBuildOutput?: boolean;
  /** Prefix of build output lines (overrides the default `service | `). */
  buildPrefix?: (service: string) => string;
  /** Another signal than the context's (a stop that must run after Ctrl-C). */
  signal?: AbortSignal;
}

export interface ApplyResult {
  /** Visible steps done, in plan order. */
  done: DoneStep[];
  failed: Array<{ resource: ResourceRef; message: string }>;
  aborted: boolean;
  /** Hosts whose engine went away during the run (stopped, restarted): the first message and the steps not done. */
  engineGone?: Array<{ host: string; message: string; notDone: number }>;
}

/** One line of `tsfig doctor`: a heading, or a check that passed or failed. */
export type DoctorLine = { kind: 'section'; text: string } | { kind: 'ok' | 'fail'; text: string };

export interface Backend {
  readonly name: string;
  /** What runs, per host; an unreachable host is recorded as unknown, never as empty. */
  observe(purpose?: ObserveFor, signal?: AbortSignal): Promise<ObservedState>;
  /** Images to pull or build before the containers are planned (up's first phase). */
  planImages(observed: ObservedState, options: ReconcileOptions): Plan;
  /** up, create, scale: the containers, networks and volumes that differ from the project. */
  planConverge(observed: ObservedState, options: ReconcileOptions): Plan;
  planDown(observed: ObservedState, options: DownOptions): Plan;
  planLifecycle(verb: LifecycleVerb, observed: ObservedState, request: LifecycleRequest): Plan;
  /** Read-only waits until the services' containers are running (healthy with a healthcheck). */
  planWait(observed: ObservedState, services: string[], timeoutMs: number): Plan;
  /** compose's `wait`: the containers of the services to wait for, stopped ones first (throws when a service has none). */
  waitTargets(observed: ObservedState, services: string[]): WaitTarget[];
  /**
   * Until every target has stopped: `onStop` as each one does (stopped ones at once), `onError`
   * with what the engine said about a wait; the code of the last one to stop.
   */
  waitStopped(targets: WaitTarget[], onStop: (c: ObservedContainer, code: number) => void, onError: (c: ObservedContainer, message: string) => void, signal: AbortSignal): Promise<number>;
  isNoop(plan: Plan): boolean;
  /** The plan as `tsfig plan` prints it. */
  renderPlan(plan: Plan, cwd?: string): string;
  apply(plan: Plan, opts?: ApplyOptions): Promise<ApplyResult>;
  /** After a converge ran: warnings about what it made but cannot be trusted yet (an overlay path that drops packets). */
  afterConverge(plan: Plan, observed: ObservedState, options: ReconcileOptions): Promise<string[]>;
  /** The health of the runtime, one line at a time; returns the number of problems. */
  doctor(report: (line: DoctorLine) => void): Promise<number>;
  /** The host a service runs on and the image reference it runs (normalised). */
  serviceImage(svc: Service): { host: string; ref: string };
  /** The host a service runs on. */
  hostOf(svc: Service): string;
}
