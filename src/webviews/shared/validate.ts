/**
 * Deep shape checks for what crosses between the host and a webview, shared by both sides (it
 * imports nothing, so it bundles into the browser too). A check returns null when the value
 * fits, or the path of the first field that does not ("payload.kpis.spend: not a finite
 * number"), which the receiver logs before dropping the message.
 */
export type Check = (value: unknown, path: string) => string | null;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const finite: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : `${p}: not a finite number`);
export const text: Check = (v, p) => (typeof v === 'string' && v.length <= 100_000 ? null : `${p}: not a string`);
export const bool: Check = (v, p) => (typeof v === 'boolean' ? null : `${p}: not a boolean`);

export function oneOf(...values: readonly unknown[]): Check {
  return (v, p) => (values.includes(v) ? null : `${p}: not one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
}

export function nullable(check: Check): Check {
  return (v, p) => (v === null ? null : check(v, p));
}

/** A field that may be absent (undefined); present, it must fit. */
export function optional(check: Check): Check {
  return (v, p) => (v === undefined ? null : check(v, p));
}

export const finiteOrNull = nullable(finite);

export function arrayOf(check: Check, maxLength = 100_000): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return `${p}: not a list`;
    if (v.length > maxLength) return `${p}: more than ${maxLength} items`;
    for (let i = 0; i < v.length; i++) {
      const e = check(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return null;
  };
}

/** An object with at least these fields (extra fields are ignored: the renderer never reads them). */
export function shape(fields: Record<string, Check>): Check {
  return (v, p) => {
    if (!isPlainObject(v)) return `${p}: not an object`;
    for (const [name, check] of Object.entries(fields)) {
      const e = check(v[name], `${p}.${name}`);
      if (e) return e;
    }
    return null;
  };
}

/** Objects told apart by one literal field (`kind`, `type`), each with its own fields. */
export function tagged(tag: string, variants: Record<string, Record<string, Check>>): Check {
  return (v, p) => {
    if (!isPlainObject(v)) return `${p}: not an object`;
    const fields = typeof v[tag] === 'string' && Object.prototype.hasOwnProperty.call(variants, v[tag]) ? variants[v[tag] as string] : undefined;
    return fields ? shape(fields)(v, p) : `${p}.${tag}: unknown ${JSON.stringify(v[tag])}`;
  };
}

/** `v` as a `T` when `check` finds nothing wrong, else null after telling `onInvalid` why (for the receiver's log). */
export function parseChecked<T>(check: Check, v: unknown, onInvalid: (reason: string) => void = () => undefined): T | null {
  const problem = check(v, 'message');
  if (problem) {
    onInvalid(problem);
    return null;
  }
  return v as T;
}
