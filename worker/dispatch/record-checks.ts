// Enrollment checks of a record's `dispatch` block and `tools` map, beyond their zod shape: the
// Hall's dispatch rules (target-policy.ts), tool keys among the record's capabilities, and each
// input_schema / output_schema a usable JSON Schema (checked keyword by keyword, then compiled with
// @cfworker/json-schema, the validator the gateway runs). Refusals are 422 with every problem's path.
import { Validator } from '@cfworker/json-schema';
import { DispatchTargetSchema, ToolSpecSchema } from '../../src/routing/index.js';
import { HallHttpError } from '../http/problem.js';
import { dispatchTargetProblems, type DispatchPolicy, type TargetProblem } from './target-policy.js';

/** Serialized size limit of one tool schema. */
export const MAX_TOOL_SCHEMA_BYTES = 16 * 1024;
export const MAX_TOOL_SCHEMA_DEPTH = 32;
export const MAX_TOOLS_PER_RECORD = 256;
const MAX_PATTERN_LENGTH = 512;

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);
const SCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SUBSCHEMA = ['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties'];
const SCHEMA_LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const NON_NEGATIVE = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains'];
const NUMBERS = ['minimum', 'maximum'];
const STRINGS = ['$schema', '$id', '$anchor', 'title', 'description', 'format', '$comment', 'contentMediaType', 'contentEncoding'];

type Path = (string | number)[];

/**
 * True when a group holding a quantifier is itself quantified, e.g. (a+)+ or (a|b*){2,}: the
 * shape of exponential backtracking. One linear scan (escapes and [classes] skipped).
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const groups: boolean[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (c === '(') {
      groups.push(false);
    } else if (c === ')') {
      const quantifiedInside = groups.pop() ?? false;
      const next = pattern[i + 1];
      if (quantifiedInside && (next === '+' || next === '*' || next === '{')) return true;
      if (quantifiedInside && groups.length > 0) groups[groups.length - 1] = true;
    } else if ((c === '+' || c === '*' || c === '{') && groups.length > 0) {
      groups[groups.length - 1] = true;
    }
  }
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keyword-level problems of a JSON Schema (object or boolean), depth-first, bounded. */
function schemaProblems(schema: unknown, path: Path, depth: number, out: TargetProblem[]): void {
  if (out.length >= 20) return;
  if (typeof schema === 'boolean') return;
  if (!isObject(schema)) {
    out.push({ path, message: 'a JSON Schema is an object (or true/false)' });
    return;
  }
  if (depth > MAX_TOOL_SCHEMA_DEPTH) {
    out.push({ path, message: `nests deeper than ${MAX_TOOL_SCHEMA_DEPTH} levels` });
    return;
  }
  const bad = (k: string, message: string) => out.push({ path: [...path, k], message });
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type') {
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || !list.every((t) => typeof t === 'string' && TYPES.has(t)) || new Set(list).size !== list.length) {
        bad(k, `must be one of ${[...TYPES].join(', ')} or a list of distinct ones`);
      }
    } else if (SCHEMA_MAP.includes(k)) {
      if (!isObject(v)) bad(k, 'must be an object of schemas');
      else for (const [name, sub] of Object.entries(v)) schemaProblems(sub, [...path, k, name], depth + 1, out);
    } else if (SUBSCHEMA.includes(k)) {
      schemaProblems(v, [...path, k], depth + 1, out);
    } else if (SCHEMA_LIST.includes(k)) {
      if (!Array.isArray(v) || v.length === 0) bad(k, 'must be a non-empty list of schemas');
      else v.forEach((sub, i) => schemaProblems(sub, [...path, k, i], depth + 1, out));
    } else if (k === 'items') {
      if (Array.isArray(v)) v.forEach((sub, i) => schemaProblems(sub, [...path, k, i], depth + 1, out));
      else schemaProblems(v, [...path, k], depth + 1, out);
    } else if (k === 'required') {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string') || new Set(v).size !== v.length) bad(k, 'must be a list of distinct property names');
    } else if (k === 'enum') {
      if (!Array.isArray(v)) bad(k, 'must be a list');
    } else if (NON_NEGATIVE.includes(k)) {
      if (!Number.isInteger(v) || (v as number) < 0) bad(k, 'must be a non-negative integer');
    } else if (NUMBERS.includes(k)) {
      if (typeof v !== 'number') bad(k, 'must be a number');
    } else if (k === 'exclusiveMinimum' || k === 'exclusiveMaximum') {
      if (typeof v !== 'number' && typeof v !== 'boolean') bad(k, 'must be a number');
    } else if (k === 'multipleOf') {
      if (typeof v !== 'number' || !(v > 0)) bad(k, 'must be a number greater than 0');
    } else if (k === 'uniqueItems') {
      if (typeof v !== 'boolean') bad(k, 'must be true or false');
    } else if (k === 'pattern') {
      patternProblem(v, [...path, k], out);
    } else if (k === '$ref' || k === '$dynamicRef') {
      // Only references inside the schema: the Hall never fetches a schema from elsewhere.
      if (typeof v !== 'string' || !v.startsWith('#')) bad(k, 'must be a local reference ("#/…"); remote schemas are not fetched');
    } else if (STRINGS.includes(k)) {
      if (typeof v !== 'string') bad(k, 'must be a string');
    }
  }
  if (isObject(schema['patternProperties'])) {
    for (const p of Object.keys(schema['patternProperties'])) patternProblem(p, [...path, 'patternProperties', p], out);
  }
}

function patternProblem(v: unknown, path: Path, out: TargetProblem[]): void {
  if (typeof v !== 'string' || v.length > MAX_PATTERN_LENGTH) {
    out.push({ path, message: `must be a regular expression of at most ${MAX_PATTERN_LENGTH} characters` });
    return;
  }
  try {
    new RegExp(v, 'u');
  } catch {
    out.push({ path, message: 'is not a valid regular expression' });
    return;
  }
  if (hasNestedQuantifier(v)) out.push({ path, message: 'has a quantified group that is itself quantified (e.g. (a+)+), which can take exponential time; rewrite it without nesting quantifiers' });
}

/** Why `schema` is not a usable MCP tool schema (an object schema), with paths under `path`. */
export function toolSchemaProblems(schema: unknown, path: Path): TargetProblem[] {
  const out: TargetProblem[] = [];
  if (!isObject(schema)) return [{ path, message: 'must be a JSON Schema object' }];
  const size = new TextEncoder().encode(JSON.stringify(schema)).byteLength;
  if (size > MAX_TOOL_SCHEMA_BYTES) return [{ path, message: `is ${size} bytes; a tool schema may have at most ${MAX_TOOL_SCHEMA_BYTES}` }];
  if (schema['type'] !== 'object') out.push({ path: [...path, 'type'], message: 'must be "object" (an MCP tool takes and returns a JSON object)' });
  schemaProblems(schema, path, 1, out);
  if (out.length > 0) return out;
  try {
    // Compile and run once (on a copy: the validator annotates the schema object it is given): a
    // schema the validator cannot use is refused now, not per call.
    new Validator(structuredClone(schema) as object, '2020-12', true).validate({});
  } catch (err) {
    out.push({ path, message: `cannot be used as a JSON Schema (${String((err as Error)?.message ?? err).slice(0, 200)})` });
  }
  return out;
}

/** Every problem with a record's dispatch block and tools for a worker of namespace `ns`. */
export function dispatchRecordProblems(record: Record<string, unknown>, ns: string, policy: DispatchPolicy): TargetProblem[] {
  const problems: TargetProblem[] = [];
  const target = record['dispatch'] === undefined ? undefined : DispatchTargetSchema.safeParse(record['dispatch']);
  if (target?.success) problems.push(...dispatchTargetProblems(target.data, ns, policy));
  const tools = record['tools'];
  if (isObject(tools)) {
    const capabilities = new Set(Array.isArray(record['capabilities']) ? (record['capabilities'] as unknown[]) : []);
    const entries = Object.entries(tools);
    if (entries.length > MAX_TOOLS_PER_RECORD) problems.push({ path: ['tools'], message: `holds ${entries.length} tools; a record may describe at most ${MAX_TOOLS_PER_RECORD}` });
    for (const [cap, raw] of entries.slice(0, MAX_TOOLS_PER_RECORD)) {
      if (!capabilities.has(cap)) problems.push({ path: ['tools', cap], message: `${cap.slice(0, 256)} is not among the record's capabilities; a tool describes one of them` });
      const spec = ToolSpecSchema.safeParse(raw);
      if (!spec.success) continue;
      if (spec.data.input_schema !== undefined) problems.push(...toolSchemaProblems(spec.data.input_schema, ['tools', cap, 'input_schema']));
      if (spec.data.output_schema !== undefined) problems.push(...toolSchemaProblems(spec.data.output_schema, ['tools', cap, 'output_schema']));
      if (spec.data.upstream_tool !== undefined && !(target?.success && target.data.kind === 'mcp')) {
        problems.push({ path: ['tools', cap, 'upstream_tool'], message: 'names an upstream MCP tool, but the record\'s dispatch kind is not "mcp"' });
      }
    }
  }
  return problems;
}

/** Throws 422 DISPATCH_TARGET_INVALID / TOOL_SPEC_INVALID listing every problem. */
export function assertDispatchableRecord(record: Record<string, unknown>, ns: string, policy: DispatchPolicy): void {
  const problems = dispatchRecordProblems(record, ns, policy);
  if (problems.length === 0) return;
  const first = problems[0]!;
  const code = first.path[0] === 'dispatch' ? 'DISPATCH_TARGET_INVALID' : 'TOOL_SPEC_INVALID';
  throw new HallHttpError(
    422,
    code,
    `The record's ${first.path[0] === 'dispatch' ? 'dispatch target' : 'tools'} cannot be accepted (${problems.length} problem${problems.length === 1 ? '' : 's'}). First, at ${first.path.join('.')}: ${first.message}. Fix the listed fields and enroll again.`,
    { issues: problems.slice(0, 50) },
  );
}
