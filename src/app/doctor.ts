/** doctor: the health of the project's hosts and runtime (the overlay's plumbing and paths), as the backend checks it. */
import { ExitCode } from '../errors.js';
import { backendOf, type AppContext } from './context.js';

/** The report on stdout (`host ...`, `  ok   ...`, `  FAIL ...`); exit 1 with problems. */
export async function doctor(ctx: AppContext): Promise<void> {
  const problems = await backendOf(ctx).doctor((l) => {
    if (l.kind === 'section') ctx.sink.result(`${l.text}\n`);
    else ctx.sink.result(`  ${l.kind === 'ok' ? 'ok  ' : 'FAIL'} ${l.text}\n`);
  });
  ctx.sink.result(problems ? `${problems} problem(s)\n` : 'no problems found\n');
  if (problems) throw new ExitCode(1);
}
