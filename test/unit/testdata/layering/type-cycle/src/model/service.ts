import type { Network } from './network.js';

export interface Service {
  networks: Network[];
}
