// Which tools a tenant sees, and who would run each: every capability of the enrolled workers,
// rehearsed with the same engine and the RouteInput a call would use (tenant facts applied). What
// the engine would deny is not listed ("what you can't call you don't see"); a REQUIRE_HUMAN
// capability stays listed, described by the worker that runs it once a human approves. A
// capability is listed only when that worker's own record gives it a dispatch target and an
// object-typed input schema; everything about the tool comes from that record's `tools[cap]`.
// Nothing here writes evidence: a listing is a rehearsal, not a decision.
import { applyTenantFacts, DispatchTargetSchema, type RouteInput, type ToolSpec } from '../../src/routing/index.js';
import { decideOnSnapshot } from '../engine.js';
import { REQUIRES_APPROVAL } from '../decision/evidence-record.js';
import type { HallSnapshot } from '../snapshot.js';

/** A stand-in approval id: the rehearsal asks "who runs this once a human approves?". */
const PREVIEW_APPROVAL = '00000000-0000-4000-8000-000000000000';
const DEFAULT_INPUT_SCHEMA: Record<string, unknown> = Object.freeze({ type: 'object' }) as Record<string, unknown>;

export interface ToolTarget {
  capabilityId: string;
  workerId: string;
  speciesId: string;
  record: Record<string, unknown>;
  spec: ToolSpec;
  inputSchema: Record<string, unknown>;
  dispatchable: boolean;
  /** The rehearsal hit a human gate: a call opens an approval first. */
  requiresApproval: boolean;
}

const capsCache = new WeakMap<HallSnapshot, readonly string[]>();

/** Every capability id an enrolled worker declares, in code-point order (a stable listing order). */
export function capabilityIds(snap: HallSnapshot): readonly string[] {
  let ids = capsCache.get(snap);
  if (!ids) {
    const set = new Set<string>();
    for (const r of snap.workers.values()) {
      const caps = r['capabilities'];
      if (Array.isArray(caps)) for (const c of caps) if (typeof c === 'string' && c.length > 0) set.add(c);
    }
    ids = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    capsCache.set(snap, ids);
  }
  return ids;
}

export function isKnownCapability(snap: HallSnapshot, capabilityId: string): boolean {
  const ids = capabilityIds(snap);
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < capabilityId) lo = mid + 1;
    else hi = mid;
  }
  return ids[lo] === capabilityId;
}

function toolSpecOf(record: Record<string, unknown>, capabilityId: string): ToolSpec {
  const tools = record['tools'];
  const spec = tools && typeof tools === 'object' && !Array.isArray(tools) ? (tools as Record<string, unknown>)[capabilityId] : undefined;
  return spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as ToolSpec) : {};
}

function isObjectSchema(s: unknown): s is Record<string, unknown> {
  return !!s && typeof s === 'object' && !Array.isArray(s) && (s as Record<string, unknown>)['type'] === 'object';
}

function targetOf(snap: HallSnapshot, capabilityId: string, species: string, requiresApproval: boolean): ToolTarget | null {
  const workerId = snap.workerIdOfSpecies.get(species);
  const record = workerId === undefined ? undefined : snap.workers.get(workerId);
  if (!record || workerId === undefined) return null;
  const spec = toolSpecOf(record, capabilityId);
  const inputSchema = spec.input_schema ?? DEFAULT_INPUT_SCHEMA;
  // MCP requires an object schema at the root; a record that declares anything else cannot be offered.
  if (!isObjectSchema(inputSchema)) return null;
  return {
    capabilityId,
    workerId,
    speciesId: species,
    record,
    spec,
    inputSchema,
    dispatchable: DispatchTargetSchema.safeParse(record['dispatch']).success,
    requiresApproval,
  };
}

/**
 * Who would run `input` (a dry-run RouteInput, tenant facts not yet applied), or null when the
 * engine would deny it. A human gate is looked through: the worker is the one selected once approved.
 */
export function rehearse(snap: HallSnapshot, input: RouteInput, heldFacts: Parameters<typeof applyTenantFacts>[1]): ToolTarget | null {
  const applied = applyTenantFacts(input, heldFacts);
  if (!applied.envAllowed) return null;
  const first = decideOnSnapshot(snap, applied.input, null);
  let decision = first;
  const gated = first.denied && first.deny_reason_if_denied?.code === REQUIRES_APPROVAL;
  if (gated) decision = decideOnSnapshot(snap, applied.input, PREVIEW_APPROVAL);
  if (decision.denied || !decision.selected_worker_species_id) return null;
  return targetOf(snap, input.capability_id, decision.selected_worker_species_id, gated);
}

export interface ToolDescriptor {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  _meta: Record<string, unknown>;
}

/** The MCP Tool a target is listed as: name = capability id, the rest from the worker's own record. */
export function toolDescriptor(t: ToolTarget): ToolDescriptor {
  const description = t.spec.description ?? (typeof t.record['description'] === 'string' ? t.record['description'] : undefined);
  return {
    name: t.capabilityId,
    ...(t.spec.title !== undefined ? { title: t.spec.title } : {}),
    ...(description !== undefined ? { description } : {}),
    inputSchema: t.inputSchema,
    ...(t.spec.output_schema !== undefined ? { outputSchema: t.spec.output_schema } : {}),
    _meta: { 'org.edgehall/wcp': { worker_id: t.workerId, worker_species_id: t.speciesId, requires_approval: t.requiresApproval } },
  };
}
