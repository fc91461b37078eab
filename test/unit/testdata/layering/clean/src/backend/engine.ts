import { plan } from '../reconcile/plan.js';

export const backend = plan;
