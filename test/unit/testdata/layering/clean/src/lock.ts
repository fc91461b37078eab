import { settings } from './settings.js';

export const lock = settings;
