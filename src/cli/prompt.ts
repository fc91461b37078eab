/** A yes/no question on the terminal (compose's `[yN]` prompts); ask only when stdin is one (IO.stdinTTY). */
import { createInterface } from 'node:readline';

export interface PromptStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/**
 * Ask `question [yN] ` on stderr and read one line: `y`/`yes` (any case) is yes; anything
 * else, an empty line or the end of input, is no. An abort (Ctrl-C) rejects with the signal's
 * reason.
 */
export function confirm(question: string, signal?: AbortSignal, streams: PromptStreams = { stdin: process.stdin, stderr: process.stderr }): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const rl = createInterface({ input: streams.stdin, output: streams.stderr, terminal: false });
    let settled = false;
    const finish = (answer: boolean | Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      rl.close();
      // readline leaves stdin flowing; let the process end.
      streams.stdin.pause();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('interrupted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => finish(/^\s*y(es)?\s*$/i.test(line)));
    rl.once('close', () => finish(false));
    streams.stderr.write(`${question} [yN] `);
  });
}
