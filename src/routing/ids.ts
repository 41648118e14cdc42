// WCP identifier grammar (spec §3.2) and namespaces (§3.1, §12).
//   2-4 dot-separated segments of [a-z0-9-], 64 characters at most.
// Protocol namespaces: cap wrk ctrl pol prof evt. Tenant signer namespaces: org.<name>, x.<name>.

export const WCP_ID_KINDS = ['cap', 'wrk', 'ctrl', 'pol', 'prof', 'evt', 'org', 'x'] as const;
export type WcpIdKind = (typeof WCP_ID_KINDS)[number];

const SEGMENT = /^[a-z0-9-]+$/;

/** Why `id` is not a valid WCP identifier (null when it is). */
export function wcpIdProblem(id: unknown, kind?: WcpIdKind): string | null {
  if (typeof id !== 'string') return 'must be a string';
  if (id.length === 0) return 'must not be empty';
  if (id.length > 64) return `is ${id.length} characters long; at most 64 are allowed`;
  const segs = id.split('.');
  if (segs.length < 2 || segs.length > 4) return `has ${segs.length} dot-separated segments; 2 to 4 are required`;
  for (const s of segs) {
    if (s === '') return 'has an empty segment';
    if (!SEGMENT.test(s)) return `segment '${s}' may only use lowercase a-z, digits 0-9 and hyphens`;
  }
  if (kind && segs[0] !== kind) return `must start with '${kind}.'`;
  if (!kind && !(WCP_ID_KINDS as readonly string[]).includes(segs[0]!))
    return `has unknown namespace '${segs[0]}' (expected one of ${WCP_ID_KINDS.join(', ')})`;
  return null;
}

/** True when `id` follows the WCP grammar and lives in namespace `kind` (any known one if omitted). */
export function isWcpId(kind: WcpIdKind | undefined, id: unknown): id is string {
  return wcpIdProblem(id, kind) === null;
}

/**
 * The tenant signer namespace of a worker id (`org.acme.summarizer` -> `org.acme`,
 * `x.alice.tool` -> `x.alice`), or null when the id is not in a tenant namespace.
 * Trust attribution comes from this, never from the species id (spec §12).
 */
export function tenantNamespaceOf(workerId: unknown): string | null {
  if (wcpIdProblem(workerId) !== null) return null;
  const [ns, name] = (workerId as string).split('.');
  if ((ns === 'org' || ns === 'x') && name) return `${ns}.${name}`;
  return null;
}
