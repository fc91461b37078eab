import { load } from '../config/load.js';

export const context = load;
