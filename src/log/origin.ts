// The origin line of a Hall tenant log's checkpoints (C2SP tlog-checkpoint line 1, and the
// signed-note key name the Hall signs it under): `<hall>/log/<tenant>` for a tenant's log (its
// shard 0) and `<hall>/log/<tenant>/shard/<k>` for shard k ≥ 1, so enabling shards keeps the
// original log's origin. <hall> is the Hall's log name (HALL_LOG_NAME, default "edgehall"; an
// operator sets it to the Hall's host, e.g. hall.example.com). The tenant is percent-encoded
// (encodeURIComponent, plus !'()*): note key names may hold no space and no '+'.

/** The Hall's name in origin lines when none is configured. */
export const DEFAULT_LOG_NAME = 'edgehall';

const LOG_NAME = /^[A-Za-z0-9.:_-]{1,200}$/;

/** A Hall log name: 1-200 letters, digits, '.', ':', '_' or '-' (a host name with a port fits). */
export function isLogName(name: unknown): name is string {
  return typeof name === 'string' && LOG_NAME.test(name);
}

/** The tenant as it appears in an origin line. */
export function encodeLogTenant(tenantId: string): string {
  return encodeURIComponent(tenantId).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The checkpoint origin of tenant `tenantId`'s log (shard) on the Hall named `hallName`. */
export function logOrigin(hallName: string, tenantId: string, shard = 0): string {
  return `${hallName}/log/${encodeLogTenant(tenantId)}${shard > 0 ? `/shard/${shard}` : ''}`;
}

/**
 * Whether `origin` names tenant `tenantId`'s log (shard) on some Hall: what a verifier that does
 * not know the Hall's log name pins (and then keeps the exact origin it first saw).
 */
export function isLogOriginOf(origin: unknown, tenantId: string, shard = 0): boolean {
  if (typeof origin !== 'string') return false;
  const tail = logOrigin('', tenantId, shard);
  return origin.endsWith(tail) && isLogName(origin.slice(0, -tail.length));
}
