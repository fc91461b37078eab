import type { Project } from '../model/project.js';

export const draw = (project: Project): string => project.name;
