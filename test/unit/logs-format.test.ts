import { describe, expect, it } from 'vitest';
import { LogFormatter } from '../../src/logs/format.js';
import { SERVICE_PALETTE } from '../../src/ui/color.js';

const web = { name: 'p-web-1', host: 'default', service: 'web' };
const db = { name: 'p-database-1', host: 'default', service: 'database' };
const web2 = { name: 'p-web-2', host: 'default', service: 'web' };
const TS = '2024-05-01T10:00:00.123456789Z';

describe('LogFormatter', () => {
  it('pads the prefix to the widest name, no ANSI codes when colours are off', () => {
    const f = new LogFormatter({ color: false });
    f.register(web);
    f.register(db);
    expect(f.line(web, TS, 'hello')).toBe('p-web-1      | hello\n');
    expect(f.line(db, TS, 'ready')).toBe('p-database-1 | ready\n');
    expect(f.line(web, TS, 'x')).not.toContain('\u001b');
  });

  it('the padding only grows: a longer name arriving later widens every prefix', () => {
    const f = new LogFormatter();
    f.register(web);
    expect(f.line(web, TS, 'a')).toBe('p-web-1 | a\n');
    f.register(db);
    expect(f.line(web, TS, 'b')).toBe('p-web-1      | b\n');
    f.register({ name: 'p-x-1', host: 'default', service: 'x' });
    expect(f.padWidth).toBe('p-database-1'.length);
  });

  it('one colour per service, from the palette in the given service order', () => {
    const f = new LogFormatter({ color: true, services: ['database', 'web'] });
    f.register(web);
    f.register(db);
    f.register(web2);
    const colourOf = (s: string) => (s.startsWith('\u001b[') ? s.slice(2, s.indexOf('m')) : undefined);
    expect(colourOf(f.line(db, TS, 'x'))).toBe(String(SERVICE_PALETTE[0]));
    expect(colourOf(f.line(web, TS, 'x'))).toBe(String(SERVICE_PALETTE[1]));
    // Same service, same colour.
    expect(colourOf(f.line(web2, TS, 'x'))).toBe(String(SERVICE_PALETTE[1]));
    // Only the prefix is coloured; the text is left alone.
    expect(f.line(web, TS, 'text')).toBe(`\u001b[${SERVICE_PALETTE[1]}mp-web-1      |\u001b[39m text\n`);
  });

  it('services not in the list take the next colours in order of appearance', () => {
    const f = new LogFormatter({ color: true, services: ['web'] });
    const other = { name: 'p-orphan-1', host: 'default', service: 'orphan' };
    f.register(other);
    expect(f.line(other, TS, 'x').startsWith(`\u001b[${SERVICE_PALETTE[1]}m`)).toBe(true);
  });

  it('--no-log-prefix: the bare line', () => {
    const f = new LogFormatter({ prefix: false, color: true });
    f.register(web);
    expect(f.line(web, TS, 'hello')).toBe('hello\n');
  });

  it('-t: the engine stamp before the text', () => {
    expect(new LogFormatter().line(web, TS, 'hello')).toBe('p-web-1 | hello\n');
    const f = new LogFormatter({ timestamps: true });
    f.register(web);
    expect(f.line(web, TS, 'hello')).toBe(`p-web-1 | ${TS} hello\n`);
    expect(new LogFormatter({ prefix: false, timestamps: true }).line(web, TS, 'hello')).toBe(`${TS} hello\n`);
    // A line without a stamp gets none.
    expect(f.line(web, '', 'hello')).toBe('p-web-1 | hello\n');
  });

  it('several hosts: NAME@HOST, padded over the whole label', () => {
    const f = new LogFormatter({ withHost: true });
    const remote = { name: 'p-web-1', host: 'node2', service: 'web' };
    f.register(remote);
    f.register(db);
    expect(f.line(remote, TS, 'a')).toBe('p-web-1@node2        | a\n');
    expect(f.line(db, TS, 'b')).toBe('p-database-1@default | b\n');
  });

  it('exit lines: NAME exited with code N', () => {
    const f = new LogFormatter();
    expect(f.exited(web, 3)).toBe('p-web-1 exited with code 3\n');
    expect(f.exited(web, 1, true)).toBe('p-web-1 exited with code 1 (restarting)\n');
  });
});
