import type { engine } from '../engine/engine.js';
import { backend } from '../backend/engine.js';
import { lock } from '../lock.js';

export const up = (connect: typeof engine): unknown[] => [backend, lock, connect];
