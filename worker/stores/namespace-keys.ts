// The Ed25519 keys registered for a signer namespace (KV `ns:<namespace>`), read the one way every
// route needs them: no record means "no keys"; a record that is present but unreadable, empty, or
// holds keys bound to another namespace is corrupt — 503, never "no keys" (which would switch the
// signature requirement off).
import { z } from 'zod';
import { Ed25519PublicJwkSchema } from '../../src/crypto/index.js';
import { HallHttpError } from '../http/problem.js';
import { KV, type ConfigStore } from './config-store.js';

/** What PUT /admin/namespaces/:ns stores: one or more Ed25519 keys, each with a kid and bound to ns. */
const StoredNamespaceKeys = z.array(Ed25519PublicJwkSchema.extend({ kid: z.string().min(1).max(200) })).min(1).max(20);

/** `what` completes "…so <what> are refused" in the 503 sentence (e.g. "enrollments there"). */
export async function readNamespaceKeys(store: ConfigStore, ns: string, what: string): Promise<unknown[]> {
  const text = await store.get(KV.namespace(ns));
  if (text === null) return [];
  let keys: unknown;
  try {
    const rec = JSON.parse(text) as unknown;
    keys = rec !== null && typeof rec === 'object' && !Array.isArray(rec) ? (rec as { keys?: unknown }).keys : undefined;
  } catch {
    keys = undefined;
  }
  const parsed = StoredNamespaceKeys.safeParse(keys);
  if (!parsed.success || parsed.data.some((k) => k.ns !== undefined && k.ns !== ns)) {
    throw new HallHttpError(503, 'NAMESPACE_KEYS_UNAVAILABLE', `The key set of ${ns} is corrupt, so ${what} are refused. An operator must re-upload it with PUT /admin/namespaces/${ns}.`);
  }
  return keys as unknown[];
}
