/** The values `--format` templates work on, and how Go prints and tests them. */

export type TemplateFn = (...args: TemplateValue[]) => TemplateValue;
export interface TemplateObject {
  readonly [field: string]: TemplateValue;
}
export type TemplateValue = string | number | boolean | null | undefined | readonly TemplateValue[] | TemplateObject | TemplateFn;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export function isObject(v: TemplateValue): v is TemplateObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as Go's fmt prints it with %v (strings bare, slices `[a b]`, structs `{a b}`). */
export function goString(v: TemplateValue): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'function') return '<func>';
  if (Array.isArray(v)) return `[${(v as readonly TemplateValue[]).map(goString).join(' ')}]`;
  return `{${Object.values(v as TemplateObject)
    .filter((x) => typeof x !== 'function')
    .map(goString)
    .join(' ')}}`;
}

/** Go template truthiness: false, 0, nil, and empty strings, slices and maps are false. */
export function truthy(v: TemplateValue): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

