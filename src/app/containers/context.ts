/**
 * The context every container use case takes: small and explicit. No commander, no process
 * streams: results come back as values (rows, records, exit codes), messages go to the sink.
 * A subset of the application context (project, hosts and their engines, signal, event sink);
 * `backend` is the part of the orchestrator backend these use cases need.
 */
import type { AttachedStreams, Engine, TerminalSize } from '../../engine/engine.js';
import type { Project } from '../../model/project.js';
import type { ObservedState, Plan } from '../../backend/index.js';
import type { QuietSteps } from '../apply.js';

export type { AttachedStreams, Engine, TerminalSize };
export type { ObservedContainer, ObservedState, Plan } from '../../backend/index.js';

/** A connected host (the same shape as reconcile's HostEngine). */
export interface HostEngine {
  name: string;
  endpoint: string;
  engine: Engine;
}

/** Lines for the user beside the results (stderr). */
export interface ContainersSink {
  /** `warning: <text>`. */
  warn(text: string): void;
  /** `error: <text>` (the command goes on; its exit code says it failed). */
  error(text: string): void;
  /** A line as is. */
  message(text: string): void;
}

/** What these use cases need from the orchestrator backend. */
export interface ContainersBackend {
  /**
   * What runs, per host; fails with one line per host when no host answers. `forUp`: images and
   * external resources too; `containersOnly`: no networks or volumes (the commands that show neither).
   */
  observe(opts?: { forUp?: boolean; containersOnly?: boolean }): Promise<ObservedState>;
  /** Carry out a plan, progress shown as the user asked (less the `quiet` steps'); the exit code. */
  apply(plan: Plan, observed: ObservedState, opts?: { ignoreFailures?: boolean; quiet?: QuietSteps }): Promise<number>;
  /** One line per host that did not answer. */
  unreachable(observed: ObservedState): string[];
}

export interface ContainersContext {
  project: Project;
  hosts: HostEngine[];
  /** The engine of each host, by host name. */
  engines: Record<string, Engine>;
  /** Ctrl-C: nothing new starts. */
  signal: AbortSignal;
  sink: ContainersSink;
  backend: ContainersBackend;
}

/** The options of a terminal session (`connect`). */
export interface TerminalConnectOptions {
  /** The remote side has a TTY: raw mode here when stdin is a terminal, and resizes. */
  tty: boolean;
  /** Send our stdin (its end closes the remote stdin). */
  stdin: boolean;
  resize?: (size: TerminalSize) => Promise<void>;
  /** SIGINT, SIGTERM or SIGHUP while attached; `count` is 1 for the first, then 2, ... */
  onInterrupt?: (count: number, signal: NodeJS.Signals) => void;
}

/** The user's terminal, for run, exec and attach (cli/interactive.ts wires the process's). */
export interface TerminalPort {
  /** stdin is a terminal. */
  readonly stdinIsTTY: boolean;
  /** From here signals belong to the session (the command's own Ctrl-C handling ends). */
  claimSignals(): void;
  /**
   * Note SIGINT/SIGTERM/SIGHUP (never their default action) until the returned function is
   * called; it returns how many came. For the moments before `connect` installs its handlers.
   */
  holdSignals(): () => number;
  /** Pump until the remote output has ended; installs its signal handlers before it returns its promise. */
  connect(streams: AttachedStreams, opts: TerminalConnectOptions): Promise<void>;
  /** Bytes typed while connected; returns the unsubscribe function. */
  onInput(listener: (chunk: Buffer) => void): () => void;
}
