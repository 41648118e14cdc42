// Mcp-Param-{Name} headers (MCP 2026-07-28): a tool's inputSchema may mark arguments with
// `x-mcp-header`, and an HTTP client must then mirror those arguments' values into headers on each
// tools/call. A stdio client may ignore the annotation, so the bridge — the HTTP client here —
// remembers the annotations from the tools/list results it passes on and adds the headers itself.
// Only annotations the revision allows are used: a valid header token, reached from the schema root
// through `properties` keys alone, on a string, integer or boolean value.
import { headerValue } from './messages.js';

interface Mirrored {
  header: string;
  path: string[];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Tools remembered at most (a Hall lists what a tenant may call; this bounds a hostile listing). */
const MAX_TOOLS = 10_000;
const MAX_DEPTH = 16;

export class ParamHeaders {
  private readonly byTool = new Map<string, Mirrored[]>();

  /** Reads the annotations of every tool in a tools/list result. */
  remember(result: unknown): void {
    const tools = result && typeof result === 'object' ? (result as Record<string, unknown>)['tools'] : undefined;
    if (!Array.isArray(tools)) return;
    for (const tool of tools) {
      if (!tool || typeof tool !== 'object') continue;
      const { name, inputSchema } = tool as Record<string, unknown>;
      if (typeof name !== 'string') continue;
      const mirrored = annotations(inputSchema);
      if (mirrored.length) {
        if (!this.byTool.has(name) && this.byTool.size >= MAX_TOOLS) continue;
        this.byTool.set(name, mirrored);
      } else this.byTool.delete(name);
    }
  }

  /** The Mcp-Param-* headers for a call of `tool` with `args` (absent or null values: no header). */
  headersFor(tool: string, args: unknown): [string, string][] {
    const out: [string, string][] = [];
    for (const m of this.byTool.get(tool) ?? []) {
      let v: unknown = args;
      for (const k of m.path) v = v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined;
      const text = typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined;
      if (text !== undefined) out.push([`mcp-param-${m.header}`, headerValue(text)]);
    }
    return out;
  }
}

function annotations(schema: unknown): Mirrored[] {
  const out: Mirrored[] = [];
  const seen = new Set<string>();
  const stack: [unknown, string[]][] = [[schema, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (!node || typeof node !== 'object' || path.length > MAX_DEPTH) continue;
    const props = (node as Record<string, unknown>)['properties'];
    if (!props || typeof props !== 'object' || Array.isArray(props)) continue;
    for (const [key, sub] of Object.entries(props as Record<string, unknown>)) {
      if (!sub || typeof sub !== 'object') continue;
      const header = (sub as Record<string, unknown>)['x-mcp-header'];
      if (typeof header === 'string' && TOKEN.test(header) && !seen.has(header.toLowerCase())) {
        seen.add(header.toLowerCase());
        out.push({ header, path: [...path, key] });
      }
      stack.push([sub, [...path, key]]);
    }
  }
  return out;
}
