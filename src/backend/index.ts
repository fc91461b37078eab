/** The orchestrator backends, as the application layer sees them. */
export * from './backend.js';
export { BACKENDS, backendEntry, orchestratorOf, selectBackend, type BackendEntry } from './select.js';
export type { ConnectFlags } from './engine/connect.js';
export { DEFAULT_HOST } from '../reconcile/state.js';
export { imageLimits, parallelLimit } from '../reconcile/execute.js';
export { exitLine } from '../reconcile/wait.js';
export * from './engine/containers.js';
export { isConflict, isNotFound, isStaleTaskMessage } from '../engine/errors.js';
export type { BuildSpec } from '../reconcile/plan.js';
