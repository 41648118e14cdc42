// Tool arguments checked against the selected worker's own input schema, before anything is decided
// or recorded. @cfworker/json-schema runs in workerd (no code generation); a compiled validator is
// kept per schema object, and schema objects live as long as their registry snapshot. The dialect
// follows `$schema` (default 2020-12, as MCP specifies); remote `$ref`s are never fetched, so a
// schema that needs one cannot be used and the call is refused rather than let through.
import { Validator, type OutputUnit, type SchemaDraft } from '@cfworker/json-schema';

export interface ArgumentIssue {
  path: (string | number)[];
  message: string;
}

export type ArgumentCheck = { ok: true } | { ok: false; issues: ArgumentIssue[] } | { ok: false; unusable: string };

const DIALECTS: Record<string, SchemaDraft> = {
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'http://json-schema.org/draft-07/schema': '7',
  'http://json-schema.org/draft-04/schema': '4',
};

const MAX_ISSUES = 20;
/** Keywords whose error only says "something below failed"; the failure below is reported instead. */
const SUMMARY_KEYWORDS = new Set(['properties', 'patternProperties', 'items', 'prefixItems', 'additionalItems', 'allOf', '$ref', '$dynamicRef', '$recursiveRef', 'dependentSchemas', 'if', 'then', 'else', 'unevaluatedItems']);

const validators = new WeakMap<object, Validator | string>();

function dialectOf(schema: Record<string, unknown>): SchemaDraft | null {
  const declared = schema['$schema'];
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return null;
  return DIALECTS[declared.replace(/#$/, '')] ?? null;
}

function validatorFor(schema: Record<string, unknown>): Validator | string {
  let v = validators.get(schema);
  if (v === undefined) {
    const draft = dialectOf(schema);
    if (draft === null) v = `its JSON Schema dialect (${String(schema['$schema']).slice(0, 100)}) is not supported (use 2020-12, 2019-09, draft-07 or draft-04)`;
    else {
      try {
        // The validator annotates the schema object it is given; it gets a copy, so the record (and
        // the inputSchema tools/list publishes from it) stays exactly as enrolled.
        v = new Validator(structuredClone(schema), draft, false);
      } catch (err) {
        v = `it does not compile (${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'invalid schema'})`;
      }
    }
    validators.set(schema, v);
  }
  return v;
}

/** "#/a/0/b~1c" → ["a", 0, "b/c"]. */
function pathOf(instanceLocation: string): (string | number)[] {
  const parts = instanceLocation.replace(/^#/, '').split('/').slice(1);
  return parts.map((p) => {
    const key = p.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^(0|[1-9]\d{0,8})$/.test(key) ? Number(key) : key;
  });
}

function issuesOf(errors: readonly OutputUnit[]): ArgumentIssue[] {
  const leaves = errors.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword));
  const chosen = leaves.length ? leaves : errors;
  return chosen.slice(0, MAX_ISSUES).map((e) => ({
    path: pathOf(e.instanceLocation),
    message: e.keyword === 'false' ? 'is not allowed by the tool\'s input schema' : e.error,
  }));
}

export function checkArguments(schema: Record<string, unknown>, args: Record<string, unknown>): ArgumentCheck {
  const v = validatorFor(schema);
  if (typeof v === 'string') return { ok: false, unusable: v };
  let result;
  try {
    result = v.validate(args);
  } catch (err) {
    // An unresolved $ref surfaces only while validating.
    return { ok: false, unusable: `it cannot be evaluated (${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'validation failed'})` };
  }
  return result.valid ? { ok: true } : { ok: false, issues: issuesOf(result.errors) };
}
