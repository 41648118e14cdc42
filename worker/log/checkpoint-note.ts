// What a tenant log signs: a C2SP tlog-checkpoint (src/log/checkpoint.ts) whose origin line names
// the Hall and the log (src/log/origin.ts), signed with the Hall's receipt key under the key name
// = the origin line, so the JWKS at /.well-known/wcp-keys.json verifies it. Ed25519 is
// deterministic: the note the object signs for a tree head is byte for byte the one the Worker's
// checkpoint endpoint (worker/transparency/checkpoints.ts) signs for the same head.
import { formatCheckpoint, signCheckpoint, type NoteSigner } from '../../src/log/checkpoint.js';
import { DEFAULT_LOG_NAME, isLogName, logOrigin } from '../../src/log/origin.js';
import type { HallEnv } from '../env.js';
import { HallHttpError } from '../http/problem.js';

/** The origin line of a tenant's log (shard) on this Hall; a malformed HALL_LOG_NAME is refused, never replaced. */
export function originOf(env: Pick<HallEnv, 'HALL_LOG_NAME'>, tenantId: string, shard: number): string {
  const name = env.HALL_LOG_NAME;
  if (name !== undefined && name !== '' && !isLogName(name)) {
    throw new HallHttpError(503, 'HALL_LOG_NAME_INVALID', "HALL_LOG_NAME must be 1-200 letters, digits, '.', ':', '_' or '-' (e.g. hall.example.com), so the Hall cannot name its logs. Fix the variable in wrangler.toml.");
  }
  return logOrigin(name || DEFAULT_LOG_NAME, tenantId, shard);
}

/** The signed note for the tree of `size` leaves with root `root`. */
export function signTreeHead(signer: NoteSigner, origin: string, size: number, root: Uint8Array): Promise<string> {
  return signCheckpoint(formatCheckpoint({ origin, tree_size: size, root_hash: root }), origin, signer);
}
