import type { Event } from './ui/events.js';
import { TsfigError } from './errors.js';

export const settings = (event: Event): Error => new TsfigError(event.project.name);
