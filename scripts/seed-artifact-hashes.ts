// Recomputes `artifact_hash` of every kv-seed worker record after an edit:
//   sha256: + SHA-256 of the record without `artifact_hash`, as Python's sorted compact json.dumps
// (pyhall's Hall API enrollment rule; the same check POST /enroll applies).
// Run: node --import tsx scripts/seed-artifact-hashes.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pyJsonDumpsCompact, sha256Hex } from '../src/util/index.js';

const dir = new URL('../kv-seed/workers/', import.meta.url).pathname;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
  const path = join(dir, name);
  const record = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const { artifact_hash: _old, ...rest } = record;
  record['artifact_hash'] = `sha256:${sha256Hex(pyJsonDumpsCompact(rest))}`;
  writeFileSync(path, JSON.stringify(record, null, 2) + '\n');
  console.log(`${name}: ${record['artifact_hash']}`);
}
