// The six demo workers of the seed (kv-seed/workers/*.json): one entry each, with the zod schema of
// its arguments (the single source of truth: the seed records' `tools.<cap>.input_schema` is
// generated from it by scripts/seed-demo-tools.ts, and a test keeps the two in step).
import { z } from 'zod';
import { chunkText } from './chunk.js';
import { CORPUS, extractText, findPage } from './corpus.js';
import { EMBED_MODEL, embed } from './embed.js';
import { hashChunks } from './hash.js';
import { register } from './register.js';
import { summarize } from './summarize.js';

/** What the Hall's receipt says about this call (read only after verifyDispatch accepted it). */
export interface AllowedCall {
  decisionId: string;
  dispatchedAt: string;
}

/** A tool's answer: a sentence for the model and the structured result. */
export interface ToolOutput {
  text: string;
  structured: Record<string, unknown>;
}

/** A refusal the tool itself makes (bad but schema-valid input): an isError result with this code. */
export class ToolRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DemoTool<A = unknown> {
  workerId: string;
  capability: string;
  title: string;
  description: string;
  args: z.ZodType<A>;
  run(args: A, call: AllowedCall): ToolOutput;
}

const MAX_TEXT = 200_000;
/** texts × dimensions in one embedding answer. */
const MAX_EMBED_NUMBERS = 65_536;
const Text = z.string().min(1).max(MAX_TEXT);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'a SHA-256 as 64 lowercase hex digits' });
const Url = z.string().min(1).max(2048);

const tool = <S extends z.ZodType>(t: Omit<DemoTool<z.output<S>>, 'args'> & { args: S }): DemoTool => t as unknown as DemoTool;

export const DEMO_TOOLS: readonly DemoTool[] = [
  tool({
    workerId: 'org.demo.doc-summarizer',
    capability: 'cap.doc.summarize',
    title: 'Summarize a text',
    description: 'Extractive summary: the N sentences that best cover the text\'s frequent topic words, in their original order.',
    args: z
      .object({
        text: Text.describe('The text to summarize (plain text; paragraphs separated by blank lines).'),
        sentences: z.number().int().min(1).max(20).default(3).describe('How many sentences the summary keeps.'),
      })
      .strict(),
    run: (a) => {
      const s = summarize(a.text, a.sentences);
      return { text: s.summary || '(the text has no sentences to summarize)', structured: { ...s } };
    },
  }),
  tool({
    workerId: 'org.demo.web-fetcher',
    capability: 'cap.web.fetch',
    title: 'Fetch a web page as text',
    description: `Fetch a URL and extract its readable text. Offline demo: serves a built-in corpus (${CORPUS.map((p) => p.url).join(', ')}).`,
    args: z.object({ url: Url.describe('The page to fetch (one of the corpus URLs).') }).strict(),
    run: (a) => {
      const page = findPage(a.url);
      if (!page) {
        throw new ToolRefusal('WEB_FETCH_NOT_IN_CORPUS', `${a.url} is not in the demo corpus (the demo fetcher works offline). Use one of: ${CORPUS.map((p) => p.url).join(', ')}.`);
      }
      const { title, text } = extractText(page.html);
      return { text, structured: { url: page.url, title, text, content_type: 'text/html', html_bytes: new TextEncoder().encode(page.html).length } };
    },
  }),
  tool({
    workerId: 'org.demo.doc-chunker',
    capability: 'cap.doc.chunk',
    title: 'Split a text into chunks',
    description: 'Pack the text\'s sentences, in order, into chunks of at most target_tokens word tokens.',
    args: z
      .object({
        text: Text.describe('The text to split.'),
        target_tokens: z.number().int().min(16).max(4000).default(500).describe('The largest chunk, in word tokens.'),
      })
      .strict(),
    run: (a) => {
      const chunks = chunkText(a.text, a.target_tokens);
      return { text: `${chunks.length} chunk${chunks.length === 1 ? '' : 's'} of at most ${a.target_tokens} tokens.`, structured: { chunks, chunk_count: chunks.length, target_tokens: a.target_tokens } };
    },
  }),
  tool({
    workerId: 'org.demo.embedder',
    capability: 'cap.ml.embed',
    title: 'Embed texts as vectors',
    description: `Deterministic text embeddings (${EMBED_MODEL}: a hashed bag of words, L2-normalised; no model download).`,
    args: z
      .object({
        texts: z.array(Text).min(1).max(256).describe('The texts to embed (for example the chunker\'s chunks).'),
        dimensions: z.number().int().min(8).max(1024).default(256).describe('Vector length.'),
        model: z.literal(EMBED_MODEL).default(EMBED_MODEL).describe('The embedding model (the demo has one).'),
      })
      .strict(),
    run: (a) => {
      // The Hall reads at most 1 MiB of a worker's answer; ~10 bytes per number keeps this well under it.
      if (a.texts.length * a.dimensions > MAX_EMBED_NUMBERS) {
        throw new ToolRefusal('EMBED_TOO_LARGE', `${a.texts.length} texts × ${a.dimensions} dimensions is more than ${MAX_EMBED_NUMBERS} numbers in one answer. Embed fewer texts per call, or use fewer dimensions.`);
      }
      const vectors = a.texts.map((t) => embed(t, a.dimensions));
      return { text: `${vectors.length} vector${vectors.length === 1 ? '' : 's'} of ${a.dimensions} dimensions (${a.model}).`, structured: { model: a.model, dimensions: a.dimensions, vectors } };
    },
  }),
  tool({
    workerId: 'org.demo.doc-hasher',
    capability: 'cap.doc.hash',
    title: 'SHA-256 each chunk',
    description: 'SHA-256 of each chunk (UTF-8) and one digest over the ordered set.',
    args: z
      .object({
        chunks: z.array(Text).min(1).max(4096).describe('The chunks to hash, in order.'),
        algorithm: z.literal('sha256').default('sha256').describe('The hash algorithm.'),
      })
      .strict(),
    run: (a) => {
      const h = hashChunks(a.chunks);
      return { text: `${h.hashes.length} SHA-256 hash${h.hashes.length === 1 ? '' : 'es'}; set ${h.set_sha256}.`, structured: { ...h } };
    },
  }),
  tool({
    workerId: 'org.demo.research-registrar',
    capability: 'cap.research.register',
    title: 'Register a document in a research collection',
    description: 'Register a fetched, chunked and hashed document; returns a registration id derived from what was registered.',
    args: z
      .object({
        collection: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: 'a collection name (lower case letters, digits, . _ -)' }).default('research').describe('The collection.'),
        url: Url.describe('Where the document came from.'),
        chunk_hashes: z.array(Hex64).min(1).max(4096).describe('The hasher\'s per-chunk SHA-256 hashes, in order.'),
        vector_count: z.number().int().min(0).max(4096).optional().describe('How many vectors the embedder made (must equal the number of chunks).'),
      })
      .strict(),
    run: (a, call) => {
      if (a.vector_count !== undefined && a.vector_count !== a.chunk_hashes.length) {
        throw new ToolRefusal('REGISTER_VECTOR_COUNT_MISMATCH', `vector_count is ${a.vector_count} but ${a.chunk_hashes.length} chunk hashes were given: embed every chunk, then register.`);
      }
      const r = register(a, call);
      return { text: `Registered ${r.url} in ${r.collection} as ${r.registration_id} (${r.chunks} chunks).`, structured: { ...r } };
    },
  }),
];

/** The demo worker served at `/<worker_id>`. */
export const toolAtPath = (path: string): DemoTool | undefined => DEMO_TOOLS.find((t) => `/${t.workerId}` === path);

/** The MCP inputSchema of a tool: JSON Schema of what a caller sends (defaults optional). */
export function inputSchemaOf(t: DemoTool): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(t.args, { io: 'input' }) as Record<string, unknown>;
  return schema;
}
