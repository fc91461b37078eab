/**
 * What the dev loop asks of the application layer, injected (watch/ never imports app/): bring
 * the project to its file (a re-plan after a project file changed), or rebuild one service's
 * image and recreate its containers. The application's converge takes the project lock and
 * runs images first, then the containers.
 */
import type { Project } from '../model/project.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Engine } from '../engine/engine.js';
import type { ResourceRef } from '../ui/events.js';

/** A host of the project and its engine. */
export interface WatchHost {
  name: string;
  endpoint: string;
  engine: Engine;
}

export interface WatchConvergeRequest {
  project: Project;
  hosts: WatchHost[];
  /** Services in scope (default: all). */
  services?: string[];
  /** Rebuild this service's image (`build: always`) and recreate only its containers (no dependencies). */
  rebuild?: string;
  /** Build output, one line at a time (without a prefix). */
  onOutput?: (line: string) => void;
}

export interface WatchConvergeResult {
  /** Visible steps that ran to the end (waits left out). */
  done: Array<{ resource: ResourceRef; did: string }>;
  /** Steps that failed, with the engine's message. */
  failed: Array<{ resource: ResourceRef; message: string }>;
  /** Problems that kept a plan from running at all. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
  aborted: boolean;
  /** With `rebuild`: the service's host and image reference, and its image ID before and after. */
  image?: { host: string; ref: string; before?: string; after?: string };
}

export type WatchConverge = (request: WatchConvergeRequest) => Promise<WatchConvergeResult>;

/** `recreated web-1, built tsfig-web:latest` from the steps done. */
export function describeDone(done: WatchConvergeResult['done']): string {
  return done.map((d) => `${d.did} ${d.resource.name}`).join(', ');
}
