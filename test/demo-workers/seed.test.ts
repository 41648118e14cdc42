// The seed records and the demo workers agree: every kv-seed worker has a demo worker, its record's
// dispatch target and MCP tool spec are the ones generated from the demo worker's own table
// (scripts/seed-demo-tools.ts), and the JSON Schema the Hall checks arguments against accepts and
// refuses the same arguments as the worker's zod schema.
import { env } from 'cloudflare:test';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { demoRecordFields } from '../../demo-workers/seed-fields.js';
import { DEMO_TOOLS } from '../../demo-workers/tools/index.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { RegistryRecordSchema } from '../../src/routing/schemas.js';

const records = new Map(env.TEST_REGISTRY_SEED.map((r) => [r.worker_id, JSON.parse(r.record_json) as Record<string, any>]));

describe('kv-seed workers ↔ demo workers', () => {
  it('one demo worker per seed worker, with the generated dispatch and tools, and a valid artifact_hash', () => {
    expect(new Set(DEMO_TOOLS.map((t) => t.workerId))).toEqual(new Set(records.keys()));
    for (const tool of DEMO_TOOLS) {
      const record = records.get(tool.workerId)!;
      expect(RegistryRecordSchema.safeParse(record).success, tool.workerId).toBe(true);
      expect(record['capabilities']).toEqual([tool.capability]);
      const { dispatch, tools } = demoRecordFields(tool);
      expect({ dispatch: record['dispatch'], tools: record['tools'] }, `${tool.workerId}: run node --import tsx scripts/seed-demo-tools.ts`).toEqual({ dispatch, tools });
      expect(record['artifact_hash']).toBe(enrollmentArtifactHash(record));
    }
  });

  const samples: Record<string, { ok: unknown[]; bad: unknown[] }> = {
    'cap.doc.summarize': { ok: [{ text: 'A text.' }, { text: 'A text.', sentences: 2 }], bad: [{}, { text: '' }, { text: 'x', sentences: 0 }, { text: 'x', sentences: 1.5 }, { text: 'x', extra: 1 }] },
    'cap.web.fetch': { ok: [{ url: 'https://example.com/paper.html' }], bad: [{}, { url: '' }, { url: 7 }] },
    'cap.doc.chunk': { ok: [{ text: 'x' }, { text: 'x', target_tokens: 16 }], bad: [{ text: 'x', target_tokens: 15 }, { target_tokens: 100 }] },
    'cap.ml.embed': { ok: [{ texts: ['a'] }, { texts: ['a'], dimensions: 8, model: 'edgehall-demo/hashed-bow-v1' }], bad: [{ texts: [] }, { texts: ['a'], model: 'nomic-embed-text' }, { texts: ['a'], dimensions: 4 }] },
    'cap.doc.hash': { ok: [{ chunks: ['a', 'b'] }, { chunks: ['a'], algorithm: 'sha256' }], bad: [{ chunks: [] }, { chunks: ['a'], algorithm: 'md5' }] },
    'cap.research.register': {
      ok: [{ url: 'u', chunk_hashes: ['a'.repeat(64)] }, { collection: 'papers', url: 'u', chunk_hashes: ['a'.repeat(64)], vector_count: 1 }],
      bad: [{ url: 'u', chunk_hashes: [] }, { url: 'u', chunk_hashes: ['A'.repeat(64)] }, { url: 'u', chunk_hashes: ['a'.repeat(64)], collection: 'Bad Name' }],
    },
  };

  it('the Hall-side JSON Schema and the worker-side zod schema agree on sample arguments', () => {
    for (const tool of DEMO_TOOLS) {
      const schema = records.get(tool.workerId)!['tools'][tool.capability]['input_schema'];
      const validator = new Validator(schema, '2020-12');
      const { ok, bad } = samples[tool.capability]!;
      for (const a of ok) {
        expect(validator.validate(a).valid, `${tool.capability} json-schema ${JSON.stringify(a)}`).toBe(true);
        expect(tool.args.safeParse(a).success, `${tool.capability} zod ${JSON.stringify(a)}`).toBe(true);
      }
      for (const a of bad) {
        expect(validator.validate(a).valid, `${tool.capability} json-schema ${JSON.stringify(a)}`).toBe(false);
        expect(tool.args.safeParse(a).success, `${tool.capability} zod ${JSON.stringify(a)}`).toBe(false);
      }
    }
  });
});
