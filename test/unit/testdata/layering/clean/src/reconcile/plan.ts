import type { Event } from '../ui/events.js';
import { engine } from '../engine/engine.js';
import { settings } from '../settings.js';

export const plan = (event: Event): Error[] => [engine(), settings(event)];
