/**
 * How a log line looks: `NAME | line`, the name padded to the widest name seen so far, one
 * colour per service (compose's rotating palette) when colours are on; `NAME@HOST` when the
 * project spans several hosts; the engine's stamp before the text with `-t`.
 */
import { serviceColor, type Style } from '../ui/color.js';

export interface FormatOptions {
  /** `NAME | ` before every line (default true). */
  prefix?: boolean;
  color?: boolean;
  /** Show the engine's stamp before the text. */
  timestamps?: boolean;
  /** Put the host in the prefix (projects on several hosts). */
  withHost?: boolean;
  /** Services in colour order (the project's, sorted); others get the next colours. */
  services?: string[];
}

export interface Source {
  name: string;
  host: string;
  service: string;
}

export class LogFormatter {
  readonly prefix: boolean;
  readonly color: boolean;
  readonly timestamps: boolean;
  readonly withHost: boolean;
  private width = 0;
  private readonly colorIndex = new Map<string, number>();
  /** Rendered prefixes by label, valid for `cachedWidth`. */
  private readonly cache = new Map<string, string>();
  private cachedWidth = 0;

  constructor(opts: FormatOptions = {}) {
    this.prefix = opts.prefix !== false;
    this.color = opts.color === true;
    this.timestamps = opts.timestamps === true;
    this.withHost = opts.withHost === true;
    for (const s of opts.services ?? []) if (!this.colorIndex.has(s)) this.colorIndex.set(s, this.colorIndex.size);
  }

  label(src: Source): string {
    return this.withHost ? `${src.name}@${src.host}` : src.name;
  }

  /** Make room for a source's name (the padding only grows, so columns do not jump back). */
  register(src: Source): void {
    const w = this.label(src).length;
    if (w > this.width) this.width = w;
    if (!this.colorIndex.has(src.service)) this.colorIndex.set(src.service, this.colorIndex.size);
  }

  /** The padding width now. */
  get padWidth(): number {
    return this.width;
  }

  private style(service: string): Style {
    let i = this.colorIndex.get(service);
    if (i === undefined) {
      i = this.colorIndex.size;
      this.colorIndex.set(service, i);
    }
    return serviceColor(i, this.color);
  }

  /** `NAME  | ` (coloured), or '' without prefixes. */
  prefixOf(src: Source): string {
    if (!this.prefix) return '';
    if (this.cachedWidth !== this.width) {
      this.cache.clear();
      this.cachedWidth = this.width;
    }
    const label = this.label(src);
    const cacheKey = `${src.service}\u0000${label}`;
    let p = this.cache.get(cacheKey);
    if (p === undefined) {
      p = `${this.style(src.service)(`${label.padEnd(this.width)} |`)} `;
      this.cache.set(cacheKey, p);
    }
    return p;
  }

  /** One output line, with its newline. */
  line(src: Source, ts: string, text: string): string {
    const stamp = this.timestamps && ts !== '' ? `${ts} ` : '';
    return `${this.prefixOf(src)}${stamp}${text}\n`;
  }

  /** `NAME exited with code N` (compose's wording), the name coloured like its prefix. */
  exited(src: Source, code: number, restarting = false): string {
    return `${this.style(src.service)(this.label(src))} exited with code ${code}${restarting ? ' (restarting)' : ''}\n`;
  }
}
