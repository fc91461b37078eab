/**
 * The terminal side of attached `up`: where the logs go, their colours, and what Ctrl-C does
 * while they are followed (runtime.ts's handler reads the session). The following itself and
 * the abort-on-exit decisions are app/attach.ts's.
 */
import type { AttachIO } from '../app/attach.js';
import { colorEnabled } from '../ui/color.js';
import type { Session } from './runtime.js';

export function attachIO(s: Session): AttachIO {
  return {
    out: s.io.stdout,
    err: s.io.stderr,
    ...(s.io.stdoutCongested ? { congested: s.io.stdoutCongested } : {}),
    color: colorEnabled({ isTTY: s.io.stdoutTTY === true }, s.io.env),
    announcesInterrupt: () => {
      s.announcesInterrupt = true;
    },
    setHardStop: (kill) => {
      s.hardStop = kill;
    },
  };
}
