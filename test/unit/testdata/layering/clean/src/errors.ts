import type { Project } from './model/project.js';

export class TsfigError extends Error {
  project?: Project;
}
