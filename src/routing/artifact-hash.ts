// artifact_hash: SHA-256 of the RouteInput as Python `json.dumps(d, sort_keys=True)` prints it
// (all 13 fields, defaults included, ", " / ": " separators, ensure_ascii). BEHAVIOR.md §13.
import { pyJsonDumps, pyJsonNumber, pyJsonString } from '../util/pyjson.js';
import { sha256HexAscii } from './sha256-ascii.js';

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

const isEmptyObject = (o: Record<string, unknown>): boolean => {
  for (const _ in o) return false;
  return true;
};

const obj = (v: Record<string, unknown> | null | undefined): string =>
  v === null || v === undefined ? 'null' : isEmptyObject(v) ? '{}' : pyJsonDumps(v);

/** The exact string whose SHA-256 is the artifact hash (keys already in code-point order). */
export function artifactHashPreimage(input: ArtifactHashInput): string {
  const bs = input.blast_score;
  const cred = input.tenant_credential;
  return (
    '{"blast_radius": ' + obj(input.blast_radius) +
    ', "blast_score": ' + (bs === null || bs === undefined ? 'null' : pyJsonNumber(bs)) +
    ', "capability_id": ' + pyJsonString(input.capability_id) +
    ', "correlation_id": ' + pyJsonString(input.correlation_id) +
    ', "data_label": ' + pyJsonString(input.data_label) +
    ', "dry_run": ' + (input.dry_run === true ? 'true' : 'false') +
    ', "env": ' + pyJsonString(input.env) +
    ', "privilege_context": ' + obj(input.privilege_context) +
    ', "qos_class": ' + pyJsonString(input.qos_class) +
    ', "request": ' + (input.request === undefined ? '{}' : obj(input.request)) +
    ', "tenant_credential": ' + (cred === null || cred === undefined ? 'null' : pyJsonString(cred)) +
    ', "tenant_id": ' + pyJsonString(input.tenant_id) +
    ', "tenant_risk": ' + pyJsonString(input.tenant_risk) +
    '}'
  );
}

/** pyhall-compatible artifact_hash (lowercase hex). */
export function computeArtifactHash(input: ArtifactHashInput): string {
  return sha256HexAscii(artifactHashPreimage(input));
}
