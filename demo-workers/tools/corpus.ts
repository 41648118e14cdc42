// The web fetcher's offline corpus: a few HTML pages by URL. The demo runs without internet, so
// "fetching" reads from here; the text extraction below is real (what the fetcher returns is
// derived from the HTML, not stored twice).

export interface CorpusPage {
  url: string;
  html: string;
}

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>body{font:16px serif}</style><script>console.log("not text")</script></head><body>${body}</body></html>`;

export const CORPUS: readonly CorpusPage[] = [
  {
    url: 'https://example.com/paper.html',
    html: page(
      'Governed dispatch for AI workers',
      `<h1>Governed dispatch for AI workers</h1>
<p>Autonomous agents increasingly call tools that read private data, spend money or change production systems.
A governance hall sits between the agent and those tools and decides, for every call, whether it may run.
The decision depends on the capability requested, the environment, the data label and the tenant's risk.</p>
<p>Each decision is written to an append-only log before the worker runs.
The log entry is a signed receipt that names the rules version, the selected worker and a hash of the exact input.
Because receipts are chained, deleting or reordering an entry breaks every later link and is detected by any verifier.</p>
<h2>Workers verify too</h2>
<p>A worker should not trust that a request came from the hall just because it arrived.
Instead it verifies the receipt it was sent: the signature, the allow decision, its own identity and the input hash.
A replayed or stale receipt is refused, so a captured request cannot be run twice.</p>
<p>In our experiments the extra verification cost less than a millisecond per call &amp; added no network round trip.
We conclude that governed dispatch is cheap enough to apply to every tool call, not only to the risky ones.</p>`,
    ),
  },
  {
    url: 'https://example.com/notes/transparency-logs.html',
    html: page(
      'Notes on transparency logs',
      `<h1>Notes on transparency logs</h1>
<p>A transparency log is an append-only Merkle tree whose head is signed and published as a checkpoint.
Anyone holding two checkpoints can ask for a consistency proof and check that the newer tree extends the older one.
An inclusion proof shows that one entry is in the tree without downloading the whole log.</p>
<p>Logs do not prevent misbehaviour; they make it visible.
Monitors watch the checkpoints, and a log that shows different trees to different readers is caught when the readers compare notes.</p>
<ul><li>Leaves are hashed with a 0x00 prefix.</li><li>Interior nodes are hashed with a 0x01 prefix.</li></ul>`,
    ),
  },
  {
    url: 'https://example.com/blog/edge-functions.html',
    html: page(
      'Why run policy at the edge',
      `<h1>Why run policy at the edge</h1>
<p>Edge functions start in milliseconds and run close to the caller, which makes them a good home for a policy check on every request.
State that must be consistent, such as a per-tenant log, lives in a single-writer object rather than in a replicated cache.
Configuration that changes rarely, such as rules and worker records, is read from a key-value store and cached in memory.</p>
<p>The result is a decision path with no cross-region round trip for reads and one durable write per decision.</p>`,
    ),
  },
];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Title and readable text of an HTML page: no head, scripts or styles; blocks become paragraphs. */
export function extractText(html: string): { title: string; text: string } {
  const title = decodeEntities(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim() ?? '');
  const body = html
    .replace(/<(head|script|style|noscript)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?(p|div|h[1-6]|li|ul|ol|br|section|article|blockquote|tr)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, ' ');
  const text = decodeEntities(body)
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n\n');
  return { title, text };
}

export function findPage(url: string): CorpusPage | undefined {
  return CORPUS.find((p) => p.url === url);
}
