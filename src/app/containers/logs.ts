/** `logs`: the output of the project's containers, printed once or followed. */
import { EXIT } from '../../errors.js';
import { followLogs, type FollowOptions } from '../../logs/follow.js';
import type { ContainersContext } from './context.js';

/** What to show and where lines go (`out`) and problems (`err`). */
export type LogsRequest = Omit<FollowOptions, 'hosts' | 'project' | 'signal' | 'serviceOrder' | 'onEvent' | 'showExits'>;

/** Print (or follow) the logs; the exit code (130 after Ctrl-C, 1 when a container's log could not be read). */
export async function showLogs(ctx: ContainersContext, req: LogsRequest): Promise<number> {
  // No engine answers: one error line now, not a warning and retries.
  await ctx.backend.observe({ containersOnly: true });
  const { done } = followLogs({ ...req, hosts: ctx.hosts, project: ctx.project.name, serviceOrder: Object.keys(ctx.project.services).sort(), signal: ctx.signal });
  const r = await done;
  if (r.aborted) return EXIT.interrupted;
  if (r.problems > 0) return EXIT.failure;
  return EXIT.ok;
}
