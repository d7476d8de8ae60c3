// fast-check arbitraries from a tool's JSON input schema (as tools/list gives it): valid arguments,
// then broken ones. Every "broken" mutation is one the schema must reject, so a server that acts on
// one has a validation hole; hostile-but-valid strings ride along to the component layer.
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number;
  minLength?: number; maxLength?: number; pattern?: string; format?: string;
  minItems?: number; maxItems?: number;
  default?: unknown;
}

/** Strings an attacker or a confused model sends: traversal, NUL, shell, SQL, format, unicode, NaN-likes. */
export const HOSTILE_STRINGS = [
  '../../../../etc/passwd', '/proc/self/mem', 'a\u0000b', '\u0000', '$(reboot)', '`id`', '; rm -rf / #', '| cat /etc/shadow', '&& true',
  '${HOME}', "' OR 1=1 --", '%s%s%n', '\u202e\u0646\u0627\ud83d\ude42\ud835\udd4f', '\ufeff', 'NaN', 'Infinity', '-Infinity', '-0', '1e309',
  '-1', '0', '99999999999999999999', ' ', '', '\n\r\t', 'CON', '*', '?', '\\\\.\\pipe', 'x'.repeat(70_000),
];

const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'array', 'object'] as const;
type JsonType = (typeof JSON_TYPES)[number];

/** JSON types a schema accepts (undefined: anything). */
export function acceptedTypes(s: JsonSchema): Set<JsonType> | undefined {
  if (s.anyOf || s.oneOf) {
    const out = new Set<JsonType>();
    for (const sub of s.anyOf ?? s.oneOf ?? []) { const t = acceptedTypes(sub); if (!t) return undefined; t.forEach((x) => out.add(x)); }
    return out;
  }
  if (s.const !== undefined) return new Set([typeOf(s.const)]);
  if (s.enum) return new Set(s.enum.map(typeOf));
  if (!s.type) return undefined;
  const types = new Set((Array.isArray(s.type) ? s.type : [s.type]) as JsonType[]);
  if (types.has('number')) types.add('integer');
  return types;
}

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

const sampleOfType: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: fc.constantFrom(...HOSTILE_STRINGS.slice(0, 20)),
  number: fc.constantFrom(1.5, -1e308, 3.14),
  integer: fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 31)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.constantFrom([], [1, 'x'], [null]),
  object: fc.constantFrom({}, { a: 1 }, { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } }),
};

/** A value of a JSON type the schema does not accept. */
export function wrongType(s: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const ok = acceptedTypes(s);
  if (!ok) return undefined;
  const bad = JSON_TYPES.filter((t) => !ok.has(t) && !(t === 'integer' && ok.has('number')) && !(t === 'number' && ok.has('integer') && false));
  // A float is no integer, but an integer is a number: only offer number to integer-only fields as 1.5.
  const candidates = bad.filter((t) => !(t === 'integer' && ok.has('number')));
  if (candidates.length === 0) return undefined;
  return fc.constantFrom(...candidates).chain((t) => sampleOfType[t]);
}

/** Values the field's own bounds exclude (range, length, enum, integer-ness), if it has any. */
export function outOfBounds(s: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const options: fc.Arbitrary<unknown>[] = [];
  const types = acceptedTypes(s);
  if (types && types.size === 1 && (types.has('integer') || types.has('number'))) {
    if (s.maximum !== undefined) options.push(fc.constantFrom(s.maximum + 1, s.maximum * 1000 + 7, 1e308));
    if (s.exclusiveMaximum !== undefined) options.push(fc.constant(s.exclusiveMaximum));
    if (s.minimum !== undefined) options.push(fc.constantFrom(s.minimum - 1, -1e308, -(2 ** 53)));
    if (s.exclusiveMinimum !== undefined) options.push(fc.constant(s.exclusiveMinimum));
    if (s.type === 'integer') options.push(fc.constantFrom(1.5, 0.000001));
  }
  if (types && types.size === 1 && types.has('string')) {
    if (s.maxLength !== undefined) options.push(fc.constantFrom('A'.repeat(s.maxLength + 1), `${'../'.repeat(Math.ceil((s.maxLength + 1) / 3))}`, '\u0000'.repeat(s.maxLength + 1)));
    if (s.enum) options.push(fc.constantFrom(...HOSTILE_STRINGS.filter((h) => !s.enum!.includes(h)).slice(0, 12)));
    if (s.pattern) { const re = new RegExp(s.pattern, 'u'); const bad = HOSTILE_STRINGS.filter((h) => !re.test(h)); if (bad.length) options.push(fc.constantFrom(...bad)); }
  }
  if (s.type === 'array' && s.maxItems !== undefined && s.items) options.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => null)));
  return options.length ? fc.oneof(...options) : undefined;
}

/** A valid value; `hostile` puts hostile strings into free-text fields and keeps numbers at their minimum. */
export function valid(s: JsonSchema, hostile = false, depth = 0): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return fc.oneof(...alts.map((a) => valid(a, hostile, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string': {
      const max = s.maxLength ?? 64; const min = s.minLength ?? 0;
      if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern, 'u')).filter((x) => x.length >= min && x.length <= max);
      const hostileFit = HOSTILE_STRINGS.filter((h) => h.length >= min && h.length <= max);
      if (hostile && hostileFit.length) return fc.constantFrom(...hostileFit);
      return fc.string({ minLength: min, maxLength: Math.min(max, 24), unit: 'grapheme' });
    }
    case 'integer': case 'number': {
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type === 'integer' ? 1 : 1e-6) : 0);
      const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (type === 'integer' ? 1 : 1e-6) : lo + 1000);
      // Numbers stay at their minimum in hostile mode: windows and durations then cost the least.
      if (hostile) return fc.constant(type === 'integer' ? Math.ceil(lo) : lo);
      return type === 'integer' ? fc.integer({ min: Math.ceil(lo), max: Math.floor(Math.min(hi, lo + 1e6)) }) : fc.double({ min: lo, max: Math.min(hi, lo + 1e6), noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean': return hostile ? fc.constant(false) : fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': return depth > 4 || !s.items ? fc.constant([]) : fc.array(valid(s.items, hostile, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      if (depth > 4) return fc.constant({});
      if (s.properties) {
        const props = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, valid(v, hostile, depth + 1)]));
        return fc.record(props, { requiredKeys: s.required ?? [] });
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), valid(s.additionalProperties, hostile, depth + 1), { maxKeys: 2 });
      return fc.constant({});
    }
    default: return fc.jsonValue({ maxDepth: 2 });
  }
}

export interface Broken { args: Record<string, unknown>; why: string }

/** Valid arguments with exactly one mutation the schema must reject (plus, sometimes, hostile strings). */
export function broken(schema: JsonSchema): fc.Arbitrary<Broken> {
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  const base = fc.oneof(valid(schema) as fc.Arbitrary<Record<string, unknown>>, valid(schema, true) as fc.Arbitrary<Record<string, unknown>>);
  const mutations: fc.Arbitrary<(a: Record<string, unknown>) => Broken>[] = [];
  if (schema.additionalProperties === false) {
    mutations.push(fc.constantFrom('__proto__x', 'constructor', 'extra', '../x', 'justification ', '\u0000', 'Name').chain((k) => fc.jsonValue({ maxDepth: 1 }).map((v) => (a: Record<string, unknown>) => ({ args: { ...a, [k]: v }, why: `unknown field ${JSON.stringify(k)}` }))));
  }
  for (const key of required) mutations.push(fc.constant((a: Record<string, unknown>) => { const { [key]: _gone, ...rest } = a; return { args: rest, why: `missing required ${key}` }; }));
  for (const [key, sub] of Object.entries(props)) {
    const wrong = wrongType(sub);
    if (wrong) mutations.push(wrong.map((v) => (a: Record<string, unknown>) => ({ args: { ...a, [key]: v }, why: `${key}: wrong type ${JSON.stringify(v)?.slice(0, 40)}` })));
    const oob = outOfBounds(sub);
    if (oob) mutations.push(oob.map((v) => (a: Record<string, unknown>) => ({ args: { ...a, [key]: v }, why: `${key}: out of bounds ${JSON.stringify(v)?.slice(0, 40)}` })));
  }
  if (mutations.length === 0) return fc.constant({ args: { __no_mutation_possible__: true }, why: 'schema accepts anything' });
  return fc.tuple(base, fc.oneof(...mutations)).map(([a, mutate]) => mutate(a));
}
