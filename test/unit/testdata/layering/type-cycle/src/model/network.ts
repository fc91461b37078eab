import type { Service } from './service.js';

export interface Network {
  services: Service[];
}
