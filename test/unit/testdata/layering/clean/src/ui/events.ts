import type { Project } from '../model/project.js';

export interface Event {
  project: Project;
}
