/**
 * `tsfig completion bash|zsh|fish`: the scripts run in the real shells. bash's function is
 * called with COMP_WORDS as bash would set them; fish answers `complete -C` for a command line;
 * zsh's script is checked by zsh's parser. Service names come from the project file that the
 * typed -f names, through the built binary on PATH.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../support/project.js';
import { BIN } from './support/stack.js';

const bin = mkdtempSync(join(tmpdir(), 'tsfig-completion-bin-'));
writeFileSync(join(bin, 'tsfig'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
chmodSync(join(bin, 'tsfig'), 0o755);
const PATH = `${bin}:${process.env.PATH ?? ''}`;
const dir = projectDir({
  'fig.yml': 'services:\n  web: {image: busybox}\n  worker: {image: busybox}\n  db: {image: busybox}\n',
  'other.yml': 'services:\n  cache: {image: busybox}\n',
});

function script(shell: string): string {
  return execFileSync('tsfig', ['completion', shell], { env: { PATH, HOME: dir }, encoding: 'utf8' });
}

/** bash: COMPREPLY for the words typed so far (the last one is the word being completed). */
function bash(words: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'tsfig-bash-')), 'c.bash');
  writeFileSync(file, script('bash'));
  const arr = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _tsfig; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    cwd: dir,
    env: { PATH, HOME: dir },
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean).sort();
}

describe('completion', () => {
  it('bash: commands, global flags, a command\'s flags', () => {
    expect(bash(['tsfig', 'u'])).toEqual(['unpause', 'up']);
    expect(bash(['tsfig', '--pro'])).toEqual(['--profile', '--progress', '--project-directory', '--project-name']);
    expect(bash(['tsfig', 'up', '--remove-o'])).toEqual(['--remove-orphans']);
    expect(bash(['tsfig', 'completion', ''])).toEqual(['bash', 'fish', 'zsh']);
  });

  it('bash: service names from the project file, and from the file that -f names', () => {
    expect(bash(['tsfig', 'logs', 'w'])).toEqual(['web', 'worker']);
    expect(bash(['tsfig', 'up', '-d', ''])).toEqual(['db', 'web', 'worker']);
    expect(bash(['tsfig', '-f', 'other.yml', 'restart', ''])).toEqual(['cache']);
  });

  it('fish: the same answers from complete -C', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsfig-fish-')), 'c.fish');
    writeFileSync(file, script('fish'));
    const ask = (line: string) =>
      execFileSync('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], { cwd: dir, env: { PATH, HOME: dir }, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0])
        .sort();
    expect(ask('tsfig unp')).toEqual(['unpause']);
    expect(ask('tsfig logs w')).toEqual(['web', 'worker']);
    expect(ask('tsfig -f other.yml stop ')).toEqual(['cache']);
    expect(ask('tsfig up --remove-o')).toEqual(['--remove-orphans']);
  });

  it('zsh: the script parses, defines _tsfig and registers it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsfig-zsh-')), '_tsfig');
    writeFileSync(file, script('zsh'));
    execFileSync('zsh', ['-n', file]);
    const out = execFileSync('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D; source ${file}; print -r -- \${_comps[tsfig]}`], { env: { PATH, HOME: dir }, encoding: 'utf8' });
    expect(out.trim()).toBe('_tsfig');
  });

  it('an unknown shell is a usage error naming the choices', () => {
    let err: { status?: number; stderr?: string } = {};
    try {
      execFileSync('tsfig', ['completion', 'tcsh'], { env: { PATH, HOME: dir }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.status).toBe(2);
    expect(err.stderr).toMatch(/give bash, zsh or fish/);
  });
});
