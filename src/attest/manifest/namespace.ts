// Signer namespace of a worker: taken from worker_id (`org.<name>.…` → `org.<name>`,
// `x.<name>.…` → `x.<name>`), never from worker_species_id (WCP spec §12).
import { isSignerNamespace } from '../../crypto/jwk.js';

/**
 * pyhall's `_tenant_namespace_from_worker_id`, including its leniency (any text between the first
 * two dots). Used for HMAC manifests so verdicts and trust statements match pyhall byte for byte.
 * Returns null where pyhall raises ValueError.
 */
export function pyhallNamespaceFromWorkerId(workerId: string): string | null {
  const parts = workerId.split('.');
  if (workerId.startsWith('x.') && parts.length >= 2) return `x.${parts[1]}`;
  if (workerId.startsWith('org.') && parts.length >= 2) return `org.${parts[1]}`;
  return null;
}

/**
 * The strict form, for Ed25519 namespace keys and for manifests built here: the namespace must
 * follow the WCP ID grammar (lowercase letters, digits, hyphens). Returns null otherwise.
 */
export function signerNamespaceFromWorkerId(workerId: string): string | null {
  const ns = pyhallNamespaceFromWorkerId(workerId);
  return ns !== null && isSignerNamespace(ns) ? ns : null;
}

/** pyhall's trust statement text. */
export function trustStatement(namespace: string, attestedAt: string, packageHash: string): string {
  return `Package attested by namespace ${namespace} at ${attestedAt}; package hash sha256:${packageHash}.`;
}
