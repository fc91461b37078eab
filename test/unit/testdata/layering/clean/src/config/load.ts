import { draw } from '../graph/draw.js';
import type { Project } from '../model/project.js';

export interface LoadOptions {
  file: string;
}
export const load = (project: Project): string => draw(project);
