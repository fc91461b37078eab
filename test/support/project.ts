/** Throwaway project folders for loader tests, and an in-process `tsfig` runner. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram, main } from '../../src/cli/main.js';
import { loadProject, type LoadOptions } from '../../src/config/load.js';

/** Write `files` (path -> content) under a fresh directory named `name`; returns its path. */
export function projectDir(files: Record<string, string>, name = 'proj'): string {
  const root = join(mkdtempSync(join(tmpdir(), 'tsfig-test-')), name);
  mkdirSync(root, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

export function load(dir: string, opts: Partial<LoadOptions> = {}) {
  return loadProject({ cwd: dir, env: { HOME: '/home/u' }, homeDir: '/home/u', ...opts });
}

/** Codes and positions of the errors of a load, for compact assertions. */
export function errorsOf(r: ReturnType<typeof load>): Array<{ code: string; line?: number; col?: number }> {
  return r.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => (d.loc ? { code: d.code, line: d.loc.line, col: d.loc.col } : { code: d.code }));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process, as the bin does. */
export async function tsfig(args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'tsfig', ...args], {
    cwd: opts.cwd,
    env: opts.env ?? { HOME: '/home/u' },
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

/** Parse `tsfig -p x NAME ARGV...` with the real program; what the command's action received. */
export async function parsedCommand(name: string, argv: string[]): Promise<{ args: unknown[]; opts: Record<string, unknown> }> {
  const program = await buildProgram({ stdout: () => {}, stderr: () => {}, cwd: '/', env: {} });
  const cmd = program.commands.find((c) => c.name() === name)!;
  let got: { args: unknown[]; opts: Record<string, unknown> } | undefined;
  cmd.action(function (this: Command, ...args: unknown[]) {
    got = { args: args.slice(0, -2), opts: this.opts() };
  });
  await program.parseAsync(['node', 'tsfig', '-p', 'x', name, ...argv]);
  return got!;
}
