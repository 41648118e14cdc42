// artifact_hash: SHA-256 of the RouteInput as Python `json.dumps(d, sort_keys=True)` prints it
// (all 13 fields, defaults included, ", " / ": " separators, ensure_ascii). BEHAVIOR.md §13.
import { compareCodePoints, pyJsonNumber, pyJsonString } from '../util/pyjson.js';
import { sha256HexOfText } from './sha256-text.js';

/** The 13 RouteInput fields the hash covers; missing optionals count as their defaults. */
export interface ArtifactHashInput {
  capability_id: string;
  env: string;
  data_label: string;
  tenant_risk: string;
  qos_class: string;
  tenant_id: string;
  correlation_id: string;
  request?: Record<string, unknown> | undefined;
  blast_radius?: Record<string, unknown> | null | undefined;
  blast_score?: number | null | undefined;
  privilege_context?: Record<string, unknown> | null | undefined;
  dry_run?: boolean | undefined;
  tenant_credential?: string | null | undefined;
}

// Printable ASCII without `"` and `\\` needs no escaping: the common case, checked by one regex.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const str = (v: string): string => (PLAIN.test(v) ? '"' + v + '"' : pyJsonString(v));
// The WCP enum values (what a validated input holds) print as themselves; anything else goes through str().
const ENUM_JSON = new Map(
  ['dev', 'stage', 'prod', 'edge', 'PUBLIC', 'INTERNAL', 'RESTRICTED', 'low', 'medium', 'high', 'P0', 'P1', 'P2', 'P3'].map((v) => [v, '"' + v + '"']),
);
const enumStr = (v: string): string => ENUM_JSON.get(v) ?? str(v);

/** Python `json.dumps(v, sort_keys=True)` for JSON values (the same output as util's pyJsonDumps). */
function dumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'number') return pyJsonNumber(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = '[' + dumps(v[0]);
    for (let i = 1; i < v.length; i++) out += ', ' + dumps(v[i]);
    return out + ']';
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length > 1) keys.sort(compareCodePoints);
    let out = '{';
    let first = true;
    for (const k of keys) {
      const x = o[k];
      if (x === undefined) continue;
      out += (first ? '' : ', ') + str(k) + ': ' + dumps(x);
      first = false;
    }
    return out + '}';
  }
  throw new TypeError(`cannot serialise a ${typeof v} as JSON`);
}

const obj = (v: Record<string, unknown> | null | undefined): string => (v === null || v === undefined ? 'null' : dumps(v));

/** The exact string whose SHA-256 is the artifact hash (keys already in code-point order). */
export function artifactHashPreimage(input: ArtifactHashInput): string {
  const bs = input.blast_score;
  const cred = input.tenant_credential;
  return (
    '{"blast_radius": ' + obj(input.blast_radius) +
    ', "blast_score": ' + (bs === null || bs === undefined ? 'null' : pyJsonNumber(bs)) +
    ', "capability_id": ' + str(input.capability_id) +
    ', "correlation_id": ' + str(input.correlation_id) +
    ', "data_label": ' + enumStr(input.data_label) +
    ', "dry_run": ' + (input.dry_run === true ? 'true' : 'false') +
    ', "env": ' + enumStr(input.env) +
    ', "privilege_context": ' + obj(input.privilege_context) +
    ', "qos_class": ' + enumStr(input.qos_class) +
    ', "request": ' + (input.request === undefined ? '{}' : dumps(input.request)) +
    ', "tenant_credential": ' + (cred === null || cred === undefined ? 'null' : str(cred)) +
    ', "tenant_id": ' + str(input.tenant_id) +
    ', "tenant_risk": ' + enumStr(input.tenant_risk) +
    '}'
  );
}

/** pyhall-compatible artifact_hash (lowercase hex). */
export function computeArtifactHash(input: ArtifactHashInput): string {
  return sha256HexOfText(artifactHashPreimage(input));
}
