/**
 * What the executor and the commands tell the user about, as data. Renderers (tty, plain,
 * json, quiet) turn these into bytes on stderr; stdout is never used for progress.
 */

/** One resource tsfig acts on: `container tsfigdemo-web-1`, `network tsfigdemo_default`. */
export interface ResourceRef {
  kind: 'container' | 'network' | 'volume' | 'image' | 'host';
  name: string;
  /** Host name when the project spans several hosts. */
  host?: string;
}

export type ProgressEvent =
  /** Work on a resource began: `action` is a present participle (Creating, Recreating, Starting, Stopping, Removing, Pulling, Waiting). */
  | { type: 'start'; id: string; resource: ResourceRef; action: string; at: number }
  /** Intermediate status text for a resource (pull progress, "waiting for db to be healthy"). */
  | { type: 'progress'; id: string; resource: ResourceRef; text: string; at: number; current?: number; total?: number }
  /** Work on a resource finished: `action` is a past participle (Created, Recreated, Started, Stopped, Removed, Pulled, Healthy). */
  | { type: 'done'; id: string; resource: ResourceRef; action: string; at: number; elapsedMs: number }
  /** Work on a resource failed. */
  | { type: 'error'; id: string; resource: ResourceRef; message: string; at: number; elapsedMs: number }
  /** A line for the user that is not about one resource (warnings included). */
  | { type: 'message'; level: 'info' | 'warning'; text: string; at: number };

export interface Renderer {
  emit(event: ProgressEvent): void;
  /** Finish: draw the final state, stop timers. */
  close(): void;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
