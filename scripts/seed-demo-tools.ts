// Writes each demo worker's dispatch target and MCP tool spec into its kv-seed record, from the
// demo worker's own table (demo-workers/tools/index.ts: zod schemas → JSON Schema), and recomputes
// the record's artifact_hash. Run after changing a demo tool:
//   node --import tsx scripts/seed-demo-tools.ts
// test/demo-workers checks that the seed and the table agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { enrollmentArtifactHash } from '../src/routing/enrollment-hash.js';
import { DEMO_TOOLS } from '../demo-workers/tools/index.js';
import { demoRecordFields } from '../demo-workers/seed-fields.js';

const dir = new URL('../kv-seed/workers/', import.meta.url).pathname;
for (const tool of DEMO_TOOLS) {
  const path = join(dir, `${tool.workerId.replace(/^org\.demo\./, '')}.json`);
  const { artifact_hash: _old, dispatch: _d, tools: _t, ...record } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const next: Record<string, unknown> = { ...record, ...demoRecordFields(tool) };
  next['artifact_hash'] = enrollmentArtifactHash(next);
  writeFileSync(path, JSON.stringify(next, null, 2) + '\n');
  console.log(`${tool.workerId}: ${next['artifact_hash']}`);
}
