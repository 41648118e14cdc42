// Which WCP compliance level (spec §8) a worker registry record meets, and why not the next one.
// A record can only show what it declares, so each level is read as the declarations it needs:
//   WCP-Basic     routable: a valid species id and at least one valid capability id
//   WCP-Standard  + declared controls (valid ctrl ids), covering its own required_controls,
//                   including an observability control (ctrl.obs.*) for mandatory telemetry
//   WCP-Full      + a privilege envelope, a blast radius, a registrable attestation hash (64 hex),
//                   a worker_id in a tenant signer namespace (org.<name> / x.<name>), a risk tier
import { isSha256Hex } from '../util/sha256.js';
import { isControlId } from './registry.js';
import { tenantNamespaceOf, wcpIdProblem } from './ids.js';

export type ComplianceLevel = 'WCP-Basic' | 'WCP-Standard' | 'WCP-Full';

export interface ComplianceReport {
  /** The highest level met, or null when not even WCP-Basic is. */
  level: ComplianceLevel | null;
  /** For each level, whether it is met on its own terms and the unmet requirements. */
  levels: Record<ComplianceLevel, { ok: boolean; reasons: string[] }>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyObj = (v: unknown): boolean => isObj(v) && Object.keys(v).length > 0;

export function checkWorkerCompliance(record: unknown): ComplianceReport {
  const r = isObj(record) ? record : {};
  const basic: string[] = [];
  const standard: string[] = [];
  const full: string[] = [];
  if (!isObj(record)) basic.push('the record must be a JSON object');

  const sp = wcpIdProblem(r.worker_species_id, 'wrk');
  if (sp) basic.push(`worker_species_id ${sp}`);
  const caps = r.capabilities;
  if (!Array.isArray(caps) || caps.length === 0) basic.push('capabilities must list at least one capability id');
  else
    caps.forEach((c, i) => {
      const p = wcpIdProblem(c, 'cap');
      if (p) basic.push(`capabilities[${i}] ${p}`);
    });

  const impl = r.currently_implements;
  if (!Array.isArray(impl) || impl.length === 0) standard.push('currently_implements must declare the controls the worker implements');
  else {
    impl.forEach((c, i) => {
      if (!isControlId(c)) standard.push(`currently_implements[${i}] is not a valid control id`);
    });
    if (!impl.some((c) => typeof c === 'string' && c.startsWith('ctrl.obs.')))
      standard.push('no observability control (ctrl.obs.*) declared for mandatory telemetry');
    if (Array.isArray(r.required_controls)) {
      const have = new Set(impl);
      const missing = r.required_controls.filter((c) => !have.has(c));
      if (missing.length) standard.push(`required_controls not implemented: ${missing.join(', ')}`);
    }
  }

  if (!nonEmptyObj(r.privilege_envelope)) full.push('privilege_envelope must be declared');
  if (!nonEmptyObj(r.blast_radius)) full.push('blast_radius must be declared');
  const att = isObj(r.attestation) ? r.attestation : null;
  if (!att || !isSha256Hex(att.code_hash))
    full.push('attestation.code_hash must be a 64-character lowercase hex SHA-256 (no "sha256:" prefix) for worker attestation');
  if (tenantNamespaceOf(r.worker_id) === null)
    full.push('worker_id must be in a tenant signer namespace (org.<name>.* or x.<name>.*) for signatory attribution');
  if (!['low', 'medium', 'high', 'critical'].includes(r.risk_tier as string)) full.push('risk_tier must be low, medium, high or critical');

  const levels = {
    'WCP-Basic': { ok: basic.length === 0, reasons: basic },
    'WCP-Standard': { ok: basic.length === 0 && standard.length === 0, reasons: standard },
    'WCP-Full': { ok: basic.length === 0 && standard.length === 0 && full.length === 0, reasons: full },
  };
  const level: ComplianceLevel | null = levels['WCP-Full'].ok
    ? 'WCP-Full'
    : levels['WCP-Standard'].ok
      ? 'WCP-Standard'
      : levels['WCP-Basic'].ok
        ? 'WCP-Basic'
        : null;
  return { level, levels };
}
