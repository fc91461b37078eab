/**
 * `POST /build` (the classic builder, as the docker CLI without BuildKit):
 * the context archive is streamed as the request body, or, for a remote context (a git URL, a
 * tarball's URL), the engine fetches it itself (`remote`, no body; it runs `git` on its own
 * host and reads `dockerfile` relative to that context), the answer is a stream of JSON
 * messages: `{"stream": text}` (output, possibly several or partial lines), `{"status", "id",
 * "progressDetail"}` (a FROM image's pull), `{"aux": {"ID": "sha256:..."}}` (the image), and
 * `{"error", "errorDetail"}` (the build failed). A failure is reported with the step that
 * failed (`Step 2/4 : RUN make`), which the builder only printed as output before.
 */
import type { IncomingMessage } from 'node:http';
import { EngineError } from '../errors.js';
import type { Query, RequestOpts } from './http.js';
import type { BuildOptions, BuildProgress, BuildResult, ProgressMessage, RegistryAuth } from './engine.js';
import { isAbortError, mapEngineError, oneLine } from './errors.js';
import { splitLines } from './streams.js';

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The query string of a build: only what is set (objects go as JSON, arrays repeat the key: http.ts). */
export function buildQuery(opts: BuildOptions): Query {
  // forcerm: a failed step's container goes too (the engine keeps it otherwise).
  const q: Query = { t: opts.tags, rm: true, forcerm: true };
  if (opts.remote !== undefined) q.remote = opts.remote;
  if (opts.dockerfile !== undefined) q.dockerfile = opts.dockerfile;
  if (opts.buildargs !== undefined && Object.keys(opts.buildargs).length > 0) q.buildargs = opts.buildargs;
  if (opts.target !== undefined) q.target = opts.target;
  if (opts.labels !== undefined && Object.keys(opts.labels).length > 0) q.labels = opts.labels;
  if (opts.networkmode !== undefined) q.networkmode = opts.networkmode;
  if (opts.shmsize !== undefined) q.shmsize = opts.shmsize;
  if (opts.extrahosts !== undefined && opts.extrahosts.length > 0) q.extrahosts = opts.extrahosts;
  // A JSON array in one parameter (an array would repeat the key).
  if (opts.cachefrom !== undefined && opts.cachefrom.length > 0) q.cachefrom = JSON.stringify(opts.cachefrom);
  if (opts.nocache === true) q.nocache = true;
  if (opts.pull === true) q.pull = true;
  if (opts.platform !== undefined) q.platform = opts.platform;
  return q;
}

/** `Step 2/4 : RUN make` (the classic builder's step header). */
const STEP = /^Step \d+\/\d+ : /;

/**
 * Follows a build's answer: output split into lines, the current step remembered, the image ID
 * picked up. `feed` takes each JSON message; `finish` gives the result or throws.
 */
export class BuildStream {
  private partial = '';
  private step: string | undefined;
  private id: string | undefined;
  /** `Successfully built 0123abcd` (older engines send no aux ID). */
  private builtShort: string | undefined;

  constructor(private readonly onProgress: ((p: BuildProgress) => void) | undefined) {}

  private line(text: string): void {
    const clean = text.replace(/\r$/, '');
    if (STEP.test(clean)) this.step = clean.trim();
    const built = /^Successfully built ([0-9a-f]{12,64})\s*$/.exec(clean);
    if (built) this.builtShort = built[1];
    this.onProgress?.({ line: clean });
  }

  feed(msg: Json): void {
    const error = optStr(obj(msg.errorDetail).message) ?? optStr(msg.error);
    if (error !== undefined) {
      this.flush();
      const where = this.step !== undefined ? `${this.step}: ` : '';
      throw new EngineError(`build failed: ${where}${oneLine(error)}`);
    }
    const stream = msg.stream;
    if (typeof stream === 'string') {
      const text = this.partial + stream;
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const l of lines) this.line(l);
    }
    const aux = obj(msg.aux);
    if (typeof aux.ID === 'string') this.id = aux.ID;
    if (typeof msg.status === 'string' && this.onProgress !== undefined) {
      const detail = obj(msg.progressDetail);
      const pull: ProgressMessage = { status: msg.status };
      if (typeof msg.id === 'string') pull.id = msg.id;
      if (typeof msg.progress === 'string') pull.progress = msg.progress;
      if (typeof detail.current === 'number' || typeof detail.total === 'number') {
        pull.progressDetail = {
          ...(typeof detail.current === 'number' ? { current: detail.current } : {}),
          ...(typeof detail.total === 'number' ? { total: detail.total } : {}),
        };
      }
      this.onProgress({ pull });
    }
  }

  private flush(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  finish(): BuildResult {
    this.flush();
    const id = this.id ?? (this.builtShort !== undefined ? this.builtShort : undefined);
    if (id === undefined) throw new EngineError(`build failed: ${this.step !== undefined ? `${this.step}: ` : ''}the engine reported no image`);
    return { id };
  }
}

function registryConfig(auths: Record<string, RegistryAuth> | undefined): Record<string, Json> | undefined {
  if (auths === undefined || Object.keys(auths).length === 0) return undefined;
  const out: Record<string, Json> = {};
  for (const [server, a] of Object.entries(auths)) {
    const entry: Json = {};
    for (const [k, v] of Object.entries(a)) if (v !== undefined) entry[k] = v;
    out[server] = entry;
  }
  return out;
}

/** Build an image: `post` sends `POST /build` (errors unmapped) and resolves with the answer. */
export async function runBuild(
  post: (req: RequestOpts) => Promise<IncomingMessage>,
  endpoint: string,
  context: NodeJS.ReadableStream,
  opts: BuildOptions,
  onProgress?: (p: BuildProgress) => void,
): Promise<BuildResult> {
  const ctx = { kind: 'image' as const, ...(opts.tags[0] !== undefined ? { id: opts.tags[0] } : {}), action: 'build' };
  const remote = opts.remote !== undefined;
  // The context's own failure (an unreadable file) says more than the aborted request.
  let contextError: unknown;
  if (!remote) {
    context.on('error', (err) => {
      contextError ??= err;
    });
  }
  const registry = registryConfig(opts.registryConfig);
  let res: IncomingMessage;
  try {
    res = await post({
      query: buildQuery(opts),
      // A remote context: no body (the engine fetches the context itself).
      ...(remote ? {} : { body: context, contentType: 'application/tar' }),
      ...(registry !== undefined ? { headers: { 'X-Registry-Config': Buffer.from(JSON.stringify(registry)).toString('base64') } } : {}),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (opts.signal?.aborted === true) throw opts.signal.reason;
    if (contextError !== undefined) throw mapEngineError(contextError, endpoint, ctx);
    throw mapEngineError(err, endpoint, ctx);
  }
  const follow = new BuildStream(onProgress);
  try {
    for await (const text of splitLines(res)) {
      if (text.trim() === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        continue;
      }
      follow.feed(obj(msg));
    }
  } catch (err) {
    if (!res.destroyed) res.destroy();
    if (opts.signal?.aborted === true) throw opts.signal.reason;
    if (err instanceof EngineError) throw err;
    if (isAbortError(err)) throw err;
    throw mapEngineError(contextError ?? err, endpoint, ctx);
  }
  return follow.finish();
}
