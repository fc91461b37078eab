import { up } from '../app/up.js';

export const backend = up;
