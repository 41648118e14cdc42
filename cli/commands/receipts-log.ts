// The transparency half of `edgehall receipts verify --tenant T`: after the chain verifies, the
// Hall's signed checkpoint must verify against its key set and name T's log, the verified receipts
// must be the leaves of the checkpoint's tree, and — given an older checkpoint an auditor kept — the
// live log must extend it (RFC 9162 consistency). A log that was truncated, rewritten or forked
// since that checkpoint fails here, with exit 1.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { HallLogClient } from '../../src/client/log-client.js';
import { emptyRoot, isLogOriginOf, merkleRoot, parseCheckpoint, toBase64Std } from '../../src/log/index.js';
import { LOG_CHECKPOINT_ORIGIN_MISMATCH, LOG_CONSISTENCY_INVALID, LOG_INCLUSION_INVALID, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../../src/verify.js';
import { fromHex } from '../../src/util/bytes.js';
import { CliUsageError } from '../hall.js';

/** A checkpoint as the CLI reports it. */
export interface CheckpointSummary {
  origin: string;
  tree_size: number;
  root_hash: string;
}

/** Why the live log does not check out: a code from edgehall/verify and a sentence. */
export class LogCheckFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LogCheckResult {
  checkpoint: CheckpointSummary;
  /** The note text, for --save-checkpoint. */
  note: string;
  /** How many verified receipts were shown to be leaves of the checkpoint's tree (seq ≤ tree size). */
  included: number;
  /** The tree size of the kept checkpoint the live one was shown to extend, or null. */
  consistentFrom: number | null;
}

/** Inclusion proofs fetched at once in segment mode. */
const PROOF_CONCURRENCY = 8;

/** Reads a kept checkpoint (exit 2 when it is not one); its signature is checked against the live key set later. */
export function readKeptCheckpoint(file: string): string {
  let note: string;
  try {
    note = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliUsageError(`cannot read the checkpoint ${file}: ${(e as Error).message} (save one with 'receipts verify --tenant T --save-checkpoint FILE').`);
  }
  const cp = parseCheckpoint(note);
  if (!cp.ok) throw new CliUsageError(`${file} is not a signed checkpoint (${cp.code}): ${cp.message}`);
  return note;
}

/** Writes the live checkpoint whole or not at all. */
export function saveCheckpoint(file: string, note: string): void {
  const partial = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(partial, note, { flag: 'wx' });
    renameSync(partial, file);
  } catch (e) {
    rmSync(partial, { force: true });
    throw new CliUsageError(`cannot write the checkpoint ${file}: ${(e as Error).message}`);
  }
}

export async function checkLiveLog(opts: {
  logs: HallLogClient;
  tenant: string;
  jwks: unknown;
  liveNote: string;
  keptNote: string | null;
  /**
   * The verified receipts, read AFTER the live checkpoint was fetched: a log only grows, so they
   * then cover every leaf of the checkpoint's tree. In seq order, from seq afterSeq + 1.
   */
  receipts: readonly { seq?: unknown; receipt_id?: unknown; receipt_hash?: unknown }[];
  afterSeq: number;
}): Promise<LogCheckResult> {
  const { logs, tenant, jwks, receipts, afterSeq } = opts;
  const live = await verifyCheckpoint(opts.liveNote, { jwks });
  if (!live.ok) throw new LogCheckFailure(live.code!, `the Hall's checkpoint does not verify: ${live.message}`);
  if (!isLogOriginOf(live.origin, tenant)) {
    throw new LogCheckFailure(LOG_CHECKPOINT_ORIGIN_MISMATCH, `the Hall's checkpoint is for origin '${live.origin!.slice(0, 200)}', which is not tenant '${tenant}''s log.`);
  }
  const checkpoint: CheckpointSummary = { origin: live.origin!, tree_size: live.tree_size!, root_hash: live.root_hash! };
  const size = checkpoint.tree_size;

  // Inclusion: every verified receipt the checkpoint covers is its leaf at seq − 1.
  const covered = receipts.filter((r) => (r.seq as number) <= size);
  if (afterSeq + receipts.length < size) {
    throw new LogCheckFailure(LOG_INCLUSION_INVALID, `the checkpoint commits to ${size} receipts but the Hall served the chain only up to seq ${afterSeq + receipts.length}: receipts were withheld.`);
  }
  if (afterSeq === 0) {
    // The whole prefix is here: its Merkle root must be the checkpoint's root (every leaf at once).
    const root = size === 0 ? emptyRoot() : merkleRoot(covered.map((r) => fromHex(r.receipt_hash as string)));
    if (toBase64Std(root) !== checkpoint.root_hash) {
      throw new LogCheckFailure(LOG_INCLUSION_INVALID, `the receipts seq 1..${size} do not hash to the checkpoint's root: the chain the Hall serves is not the log it signed.`);
    }
  } else {
    await inBatches(covered, PROOF_CONCURRENCY, async (r) => {
      const seq = r.seq as number;
      const proof = await logs.receiptProof(r.receipt_id as string, { tree_size: size });
      const v = proof.leaf_index === seq - 1 && proof.tree_size === size ? verifyInclusion(r.receipt_hash as string, seq - 1, size, proof.hashes, checkpoint.root_hash) : { ok: false, message: `the Hall answered a proof for leaf ${proof.leaf_index} of ${proof.tree_size}.` };
      if (!v.ok) throw new LogCheckFailure(LOG_INCLUSION_INVALID, `receipt seq ${seq} is not in the checkpoint's tree: ${v.message}`);
    });
  }

  // Consistency: the live log extends the checkpoint the auditor kept.
  let consistentFrom: number | null = null;
  if (opts.keptNote !== null) {
    const kept = await verifyCheckpoint(opts.keptNote, { jwks });
    if (!kept.ok) throw new LogCheckFailure(kept.code!, `your kept checkpoint does not verify with the Hall's keys: ${kept.message}`);
    if (kept.origin !== checkpoint.origin) {
      throw new LogCheckFailure(LOG_CHECKPOINT_ORIGIN_MISMATCH, `your kept checkpoint is for '${kept.origin!.slice(0, 200)}', the live one for '${checkpoint.origin.slice(0, 200)}': not the same log.`);
    }
    const m = kept.tree_size!;
    if (m > size) {
      throw new LogCheckFailure(LOG_CONSISTENCY_INVALID, `the log was truncated: your checkpoint has ${m} receipts, the live log ${size}. Keep both checkpoints as evidence.`);
    }
    if (m === 0) {
      if (kept.root_hash !== toBase64Std(emptyRoot())) throw new LogCheckFailure(LOG_CONSISTENCY_INVALID, 'your kept checkpoint of the empty log has a root other than the empty root.');
    } else {
      const hashes = m === size ? [] : (await logs.consistencyProof(tenant, m, size)).hashes;
      const v = verifyConsistency(m, size, kept.root_hash!, checkpoint.root_hash, hashes);
      if (!v.ok) {
        throw new LogCheckFailure(v.code === LOG_CONSISTENCY_INVALID ? v.code : LOG_CONSISTENCY_INVALID, `the log was rewritten: the live log of ${size} receipts does not extend your checkpoint of ${m} (${v.message})`);
      }
    }
    consistentFrom = m;
  }
  return { checkpoint, note: opts.liveNote, included: covered.length, consistentFrom };
}

async function inBatches<T>(items: readonly T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
