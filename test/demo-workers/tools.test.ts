// Each demo worker does its real job once the Hall's dispatch verifies: a real extractive summary,
// text extracted from the offline corpus, chunks that cover the text, unit-length deterministic
// vectors, SHA-256 hashes equal to WebCrypto's, and a registration id derived from what was
// registered — then the five-step research pipeline, each step fed by the one before.
import { describe, expect, it } from 'vitest';
import { sentences } from '../../demo-workers/tools/text.js';
import { call, dispatch, envelopeFor, toolFor } from './dispatch.js';

const ARTICLE = [
  'Solar panels turn sunlight into electricity using photovoltaic cells.',
  'Photovoltaic cells are made of silicon, and silicon cells convert sunlight into a flow of electricity.',
  'My neighbour owns a friendly brown dog.',
  'The efficiency of solar panels depends on the cells, the angle to the sunlight and the temperature.',
  'Lunch was late today.',
  'Cheaper silicon has made solar electricity one of the lowest-cost sources of power.',
].join(' ');

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (s: string) => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('cap.doc.summarize (org.demo.doc-summarizer)', () => {
  it('returns the N most topical sentences of the text, verbatim and in document order', async () => {
    const { status, result } = await call('cap.doc.summarize', { text: ARTICLE, sentences: 3 });
    expect(status).toBe(200);
    expect(result['isError']).toBeUndefined();
    const picked = result['structuredContent']['sentences'] as { index: number; text: string }[];
    expect(picked).toHaveLength(3);
    const all = sentences(ARTICLE);
    for (const s of picked) expect(all[s.index]).toBe(s.text);
    expect(picked.map((s) => s.index)).toEqual([...picked.map((s) => s.index)].sort((a, b) => a - b));
    // The off-topic sentences are never chosen over the solar ones.
    expect(result['content'][0]['text']).not.toMatch(/dog|Lunch/);
    expect(result['content'][0]).toEqual({ type: 'text', text: picked.map((s) => s.text).join(' ') });
    expect(result['structuredContent']).toMatchObject({ total_sentences: 6, method: 'extractive-frequency-v1' });
  });

  it('defaults to 3 sentences, returns the whole text when it is shorter, and is deterministic', async () => {
    const a = await call('cap.doc.summarize', { text: ARTICLE });
    const b = await call('cap.doc.summarize', { text: ARTICLE });
    expect(a.result['structuredContent']['sentences']).toHaveLength(3);
    expect(b.result).toEqual(a.result);
    const short = await call('cap.doc.summarize', { text: 'One short text. It has two sentences.', sentences: 5 });
    expect(short.result['content'][0]['text']).toBe('One short text. It has two sentences.');
  });

  it('keeps abbreviations and initials inside their sentence', () => {
    expect(sentences('Dr. Smith met J. Doe at 5 p.m. in the lab, e.g. room 4. Then they left!')).toEqual(['Dr. Smith met J. Doe at 5 p.m. in the lab, e.g. room 4.', 'Then they left!']);
  });

  it('refuses arguments that do not match the input schema (an isError result naming the field)', async () => {
    for (const args of [{ text: 5 }, { text: ARTICLE, sentences: 0 }, { text: ARTICLE, colour: 'red' }, {}]) {
      const { status, result } = await call('cap.doc.summarize', args);
      expect(status, JSON.stringify(args)).toBe(200);
      expect(result['isError']).toBe(true);
      expect(result['structuredContent']['error']['code']).toBe('DEMO_ARGUMENTS_INVALID');
      expect(result['content'][0]['text']).toMatch(/^DEMO_ARGUMENTS_INVALID: /);
    }
  });
});

describe('cap.web.fetch (org.demo.web-fetcher)', () => {
  it('returns the readable text of a corpus page: no markup, scripts or styles; entities decoded', async () => {
    const { result } = await call('cap.web.fetch', { url: 'https://example.com/paper.html' });
    const page = result['structuredContent'];
    expect(page).toMatchObject({ url: 'https://example.com/paper.html', title: 'Governed dispatch for AI workers', content_type: 'text/html' });
    expect(page['text']).toContain('A governance hall sits between the agent and those tools');
    expect(page['text']).toContain('less than a millisecond per call & added');
    expect(page['text']).not.toMatch(/[<>]|console\.log|font:/);
    expect(result['content'][0]['text']).toBe(page['text']);
  });

  it('a URL outside the offline corpus is an isError result listing the corpus', async () => {
    const { status, result } = await call('cap.web.fetch', { url: 'https://example.org/elsewhere' });
    expect(status).toBe(200);
    expect(result['isError']).toBe(true);
    expect(result['structuredContent']['error']['code']).toBe('WEB_FETCH_NOT_IN_CORPUS');
    expect(result['content'][0]['text']).toContain('https://example.com/paper.html');
  });
});

describe('cap.doc.chunk, cap.ml.embed, cap.doc.hash, cap.research.register', () => {
  it('chunks cover the text in order, none larger than target_tokens', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} talks about topic ${i % 5} at some length.`).join(' ');
    const { result } = await call('cap.doc.chunk', { text, target_tokens: 30 });
    const chunks = result['structuredContent']['chunks'] as { index: number; text: string; tokens: number }[];
    expect(chunks.length).toBeGreaterThan(5);
    for (const [i, c] of chunks.entries()) {
      expect(c.index).toBe(i);
      expect(c.tokens).toBeLessThanOrEqual(30);
      expect(c.tokens).toBe(c.text.split(' ').length);
    }
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });

  it('vectors are unit length, deterministic, and closer for texts that share words', async () => {
    const texts = ['solar panels convert sunlight into electricity', 'sunlight on solar panels makes electricity', 'the recipe needs flour butter and sugar'];
    const { result } = await call('cap.ml.embed', { texts, dimensions: 64 });
    const { vectors, dimensions, model } = result['structuredContent'] as { vectors: number[][]; dimensions: number; model: string };
    expect([dimensions, model]).toEqual([64, 'edgehall-demo/hashed-bow-v1']);
    for (const v of vectors) {
      expect(v).toHaveLength(64);
      expect(Math.abs(dot(v, v) - 1)).toBeLessThan(1e-4);
    }
    expect(dot(vectors[0]!, vectors[1]!)).toBeGreaterThan(dot(vectors[0]!, vectors[2]!) + 0.3);
    const again = await call('cap.ml.embed', { texts: [texts[0]!], dimensions: 64 });
    expect(again.result['structuredContent']['vectors'][0]).toEqual(vectors[0]);
  });

  it('an answer that would pass the Hall\'s 1 MiB result cap is refused up front (EMBED_TOO_LARGE)', async () => {
    const texts = Array.from({ length: 65 }, (_, i) => `text ${i}`);
    const big = await call('cap.ml.embed', { texts, dimensions: 1024 });
    expect(big.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'EMBED_TOO_LARGE' } } });
    const fits = await call('cap.ml.embed', { texts: texts.slice(0, 64), dimensions: 1024 });
    expect(fits.result['isError']).toBeUndefined();
    expect(new TextEncoder().encode(JSON.stringify(fits.result)).length).toBeLessThan(1024 * 1024);
  });

  it('hashes equal WebCrypto SHA-256 of each chunk, and the set digest covers their order', async () => {
    const chunks = ['first chunk', 'second chunk', 'ünïcödé chunk'];
    const { result } = await call('cap.doc.hash', { chunks });
    const h = result['structuredContent'];
    expect(h['hashes']).toEqual(await Promise.all(chunks.map(sha256)));
    expect(h['set_sha256']).toBe(await sha256(h['hashes'].join('\n')));
    const reversed = await call('cap.doc.hash', { chunks: [...chunks].reverse() });
    expect(reversed.result['structuredContent']['set_sha256']).not.toBe(h['set_sha256']);
  });

  it('a registration id is derived from what is registered; its time is the receipt\'s', async () => {
    const args = { url: 'https://example.com/paper.html', chunk_hashes: [await sha256('a'), await sha256('b')] };
    const envelope = await envelopeFor('cap.research.register', args);
    const first = await dispatch('/org.demo.research-registrar', envelope);
    const second = await call('cap.research.register', args);
    const other = await call('cap.research.register', { ...args, url: 'https://example.com/other.html' });
    const r = first.result['structuredContent'];
    expect(r['registration_id']).toMatch(/^reg_[0-9a-f]{32}$/);
    expect(second.result['structuredContent']['registration_id']).toBe(r['registration_id']);
    expect(other.result['structuredContent']['registration_id']).not.toBe(r['registration_id']);
    expect(r).toMatchObject({ collection: 'research', chunks: 2, registered_at: envelope['receipt']['dispatched_at'], decision_id: envelope['decision_id'] });
    const mismatch = await call('cap.research.register', { ...args, vector_count: 3 });
    expect(mismatch.result['structuredContent']['error']['code']).toBe('REGISTER_VECTOR_COUNT_MISMATCH');
  });

  it('the five-step research pipeline: fetch → chunk → embed → hash → register', async () => {
    const url = 'https://example.com/paper.html';
    const page = (await call('cap.web.fetch', { url })).result['structuredContent'];
    const chunks = ((await call('cap.doc.chunk', { text: page['text'], target_tokens: 60 })).result['structuredContent']['chunks'] as { text: string }[]).map((c) => c.text);
    const vectors = (await call('cap.ml.embed', { texts: chunks })).result['structuredContent']['vectors'] as number[][];
    const hashed = (await call('cap.doc.hash', { chunks })).result['structuredContent'];
    const reg = (await call('cap.research.register', { url, chunk_hashes: hashed['hashes'], vector_count: vectors.length })).result;
    expect(chunks.length).toBeGreaterThan(1);
    expect(vectors).toHaveLength(chunks.length);
    expect(reg['isError']).toBeUndefined();
    expect(reg['structuredContent']).toMatchObject({ url, chunks: chunks.length, chunk_set_sha256: hashed['set_sha256'] });
    expect(toolFor('cap.research.register').workerId).toBe('org.demo.research-registrar');
  });
});
