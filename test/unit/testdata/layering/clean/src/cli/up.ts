import type { LoadOptions } from '../config/load.js';
import { up } from '../app/up.js';
import { draw } from '../graph/draw.js';

export const upCommand = (options: LoadOptions): unknown[] => [up, draw, options];
