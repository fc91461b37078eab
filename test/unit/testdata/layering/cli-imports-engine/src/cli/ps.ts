import type { Engine } from '../engine/engine.js';

export const ps = (engine: Engine): Promise<void> => engine.ping();
