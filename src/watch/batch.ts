/**
 * Debounce and batch file events: an editor's save (write a temporary file, rename it over the
 * original, touch a backup) or a `git checkout` of 1000 files is one batch, handled once.
 *
 * - A batch is handed over once no event came for its quiet period, or `maxWaitMs` after its
 *   first event while events keep coming (a busy tree still gets synced). The quiet period
 *   adapts: `quietMs` (short) while the batch holds a few paths (a saved file, with the editor's
 *   temporary and backup files), `burstQuietMs` (longer) once it holds more or a directory
 *   event (a new directory's files follow once the watcher has read it), so a storm (a `git
 *   checkout` of 1000 files) is coalesced into one batch while a lone save goes at once.
 * - One path appears once per batch, with its last event.
 * - While the handler of a batch runs, new events gather into the next batch; it is handed over
 *   when the handler is done (at once if its quiet period has already passed). Batches never
 *   overlap.
 */

export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface Change {
  /** Absolute host path. */
  path: string;
  kind: ChangeKind;
}

export interface BatcherOptions {
  /** Quiet period before a batch of a few paths is handed over (ms). */
  quietMs: number;
  /** Quiet period once the batch holds more than `fewPaths` paths (ms; default `quietMs`). */
  burstQuietMs?: number;
  /** Paths a batch holds at most to count as a few (default 4). */
  fewPaths?: number;
  /** Longest a batch waits while events keep coming (ms). */
  maxWaitMs?: number;
  /** Handles one batch; the next one waits for it. Errors are the handler's business. */
  onBatch: (changes: Change[]) => Promise<void> | void;
}

/** A lone save: handed over after 30 ms without events (compose waits 500 ms). */
export const DEFAULT_QUIET_MS = 30;
/** A storm (more than DEFAULT_FEW_PATHS paths, or a directory event): 500 ms without events (the watcher reads a new directory, or stats a storm's files, with pauses of 200 ms and more on a loaded machine). */
export const DEFAULT_BURST_QUIET_MS = 500;
export const DEFAULT_FEW_PATHS = 4;
export const DEFAULT_MAX_WAIT_MS = 3000;

export class Batcher {
  private readonly quietMs: number;
  private readonly burstQuietMs: number;
  private readonly fewPaths: number;
  private readonly maxWaitMs: number;
  private readonly onBatch: BatcherOptions['onBatch'];
  private pending = new Map<string, ChangeKind>();
  private firstAt = 0;
  private lastAt = 0;
  /** The pending batch holds a directory event (a burst is coming). */
  private dirs = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Resolves when no batch is running and none is pending (for tests and shutdown). */
  private idleWaiters: Array<() => void> = [];

  constructor(opts: BatcherOptions) {
    this.quietMs = opts.quietMs;
    this.burstQuietMs = Math.max(opts.burstQuietMs ?? opts.quietMs, opts.quietMs);
    this.fewPaths = opts.fewPaths ?? DEFAULT_FEW_PATHS;
    this.maxWaitMs = Math.max(opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, this.burstQuietMs);
    this.onBatch = opts.onBatch;
  }

  /** Changes waiting for the next batch. */
  get size(): number {
    return this.pending.size;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  push(change: Change): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.pending.size === 0) {
      this.firstAt = now;
      this.dirs = false;
    }
    this.lastAt = now;
    // A directory made or removed: its files follow (the watcher reads a new directory first).
    if (change.kind === 'addDir' || change.kind === 'unlinkDir') this.dirs = true;
    // The last event wins, but a path keeps its place (delete + re-add keeps the order of first sight).
    this.pending.set(change.path, change.kind);
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.pending.size === 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const now = Date.now();
    const quiet = this.dirs || this.pending.size > this.fewPaths ? this.burstQuietMs : this.quietMs;
    const due = Math.min(this.lastAt + quiet, this.firstAt + this.maxWaitMs);
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - now));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.closed || this.running || this.pending.size === 0) return;
    const batch = [...this.pending].map(([path, kind]) => ({ path, kind }));
    this.pending = new Map();
    this.running = (async () => {
      try {
        await this.onBatch(batch);
      } catch {
        // the handler reports its own errors
      }
    })().finally(() => {
      this.running = undefined;
      if (this.pending.size > 0 && !this.closed) this.schedule();
      else this.notifyIdle();
    });
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Hand over what is pending now, without waiting for the quiet period. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) this.fire();
  }

  /** Resolves once nothing is pending or running. */
  idle(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drop pending changes; the batch in flight (if any) finishes. Resolves when it has. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.running;
    this.notifyIdle();
  }
}
