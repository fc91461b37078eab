import { project } from '../model/project.js';

export const name = project;
