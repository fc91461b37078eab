import { TsfigError } from '../errors.js';

export const engine = (): Error => new TsfigError('engine');
