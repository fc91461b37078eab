import { main } from '../cli/main.js';

export const docker = main;
