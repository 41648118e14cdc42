// The demo workers' answers: MCP CallToolResults as JSON responses. A refusal carries its code in
// the text (what a model reads) and in structuredContent.error (what a program reads).
export interface CallToolResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const json = (body: CallToolResult | Record<string, unknown>, status: number): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });

export const toolResult = (text: string, structured: Record<string, unknown>): Response =>
  json({ content: [{ type: 'text', text }], structuredContent: structured }, 200);

export const toolError = (status: number, code: string, message: string): Response =>
  json({ content: [{ type: 'text', text: `${code}: ${message}` }], structuredContent: { error: { code, message } }, isError: true }, status);

export const listing = (body: Record<string, unknown>): Response => json(body, 200);
