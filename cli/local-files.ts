// Local documents of the in-process commands (route, test): JSON files, a workers file or a
// directory of registry records (the kv-seed/workers layout), and the Hall built from them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Hall } from '../src/routing/hall.js';
import type { HallConfigLike, PolicyDocumentLike, RegistryRecordLike } from '../src/routing/schemas.js';
import { EdgehallError } from '../src/util/errors.js';

/** Parses a JSON file ('-' is standard input); unreadable or invalid JSON is a coded EdgehallError. */
export function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new EdgehallError('FILE_UNREADABLE', `cannot read ${what} file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EdgehallError('FILE_NOT_JSON', `${what} file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function recordsOf(doc: unknown, file: string): unknown[] {
  if (Array.isArray(doc)) return doc;
  const o = doc as { workers?: unknown; worker_species_id?: unknown } | null;
  if (o && typeof o === 'object' && Array.isArray(o.workers)) return o.workers;
  if (o && typeof o === 'object' && 'worker_species_id' in o) return [o]; // one registry record
  throw new EdgehallError('WORKERS_INVALID', `${file} must hold a registry record, a JSON array of them, or {"workers": [...]}`);
}

/** Registry records from a file, or from every *.json file of a directory (sorted by name). */
export function loadWorkers(path: string): unknown[] {
  let isDir = false;
  try {
    isDir = path !== '-' && statSync(path).isDirectory();
  } catch {
    // readJson names the problem
  }
  if (!isDir) return recordsOf(readJson(path, 'workers'), path);
  const files = readdirSync(path).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new EdgehallError('WORKERS_INVALID', `the workers directory ${path} holds no *.json files`);
  return files.flatMap((f) => recordsOf(readJson(join(path, f), 'workers'), join(path, f)));
}

export interface LocalHallFiles {
  rules: string;
  workers?: string;
  config?: string;
  policy?: string;
}

/** A Hall over local files; the Hall validates every document strictly (ValidationError). */
export function localHall(f: LocalHallFiles): Hall {
  return new Hall({
    rules: readJson(f.rules, 'rules'),
    workers: (f.workers ? loadWorkers(f.workers) : []) as RegistryRecordLike[],
    // Unchecked JSON: the Hall validates both documents strictly and throws a ValidationError.
    ...(f.config ? { config: readJson(f.config, 'config') as HallConfigLike } : {}),
    ...(f.policy ? { policy: readJson(f.policy, 'policy') as PolicyDocumentLike } : {}),
  });
}
