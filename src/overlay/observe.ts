/**
 * Reading a host's overlay state: one helper run (read-back script), parsed. A failure is
 * recorded on the host (`ok: false`), never taken as "nothing there".
 */
import type { Engine } from '../engine/engine.js';
import type { Project } from '../model/project.js';
import { chainName, helperImage, projectTag } from './alloc.js';
import { removeLeftoverHelpers, runHelper } from './helper.js';
import { parseReadBack, readBackScript } from './scripts.js';
import type { ObservedOverlay } from './types.js';

export interface ReadOverlayOptions {
  signal?: AbortSignal;
  /** Also try to create a vxlan device (kernel support): doctor always; up and plan when the project has no device on the host yet. */
  probe?: boolean;
}

export async function readOverlay(engine: Engine, project: Project, host: string, opts: ReadOverlayOptions = {}): Promise<ObservedOverlay> {
  const tag = projectTag(project.name);
  const chain = chainName(project.name);
  const own = project.hosts[host]?.address;
  const peers = Object.entries(project.hosts)
    .filter(([name, h]) => name !== host && h.address !== undefined && h.address !== own)
    .map(([, h]) => h.address!);
  const script = readBackScript({ devicePrefix: `tsv${tag}`, chain, peers, probe: opts.probe ? true : 'if-missing', probeName: `tsfp${tag}` });
  try {
    // No signal on these calls: a read takes well under a second (and is bounded by the
    // helper's own timeout); Ctrl-C is honoured right after it.
    await removeLeftoverHelpers(engine, project.name);
    const r = await runHelper(engine, { project: project.name, image: helperImage(project, host), script, purpose: 'overlay-read' });
    if (r.exitCode !== 0) {
      return failed(`the read-back script exited ${r.exitCode}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(0, 4).join('; ')}`);
    }
    return parseReadBack(r.stdout, chain);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return failed(err instanceof Error ? err.message : String(err));
  }
}

function failed(error: string): ObservedOverlay {
  return { ok: false, error, missing: [], vxlans: [], bridges: [], fdb: {}, jump: false, dockerUser: false };
}
