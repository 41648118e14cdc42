// `edgehall receipts export|verify`: a tenant's receipt chain as JSON Lines, and offline
// verification of such a file (or of the live chain) with the SDK's verifyChain against the Hall's
// JWKS or a saved one.
import { createReadStream, createWriteStream, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { HallClient } from '../../src/client/index.js';
import { verifyChain, type ChainVerdict } from '../../src/receipts/index.js';
import { HallLogClient } from '../../src/client/log-client.js';
import { LogCheckFailure, checkLiveLog, readKeptCheckpoint, saveCheckpoint, type LogCheckResult } from './receipts-log.js';
import { readJwks as readKeySet } from '../../src/crypto/jwk.js';
import { EXIT, HALL_OPTIONS, HALL_OPTIONS_HELP, CliUsageError, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, printedHelp, str, type ParsedOptions } from '../options.js';

export const summary = 'receipt chains: receipts export --tenant T [--out FILE] | receipts verify (--tenant T [--checkpoint FILE] [--save-checkpoint FILE] | FILE.jsonl)';

const USAGE = `usage: edgehall receipts export --tenant T [--out FILE] [--after-seq N] [--jwks-out FILE]
       edgehall receipts verify (--tenant T | FILE.jsonl) [--after-seq N] [--jwks FILE | --hall URL] [--json]
       edgehall receipts verify --tenant T [--checkpoint FILE] [--save-checkpoint FILE]

export   writes tenant T's receipt chain (every receipt with seq > --after-seq, default 0) as JSON
         Lines, one receipt per line in seq order, to stdout or --out FILE (written whole or not at
         all). --jwks-out FILE also saves the Hall's key set (/.well-known/wcp-keys.json) for
         verifying the file later without the Hall. The receipts are not verified here.
verify   verifies a JSON Lines file, or with --tenant the live chain, offline: every receipt's hash
         and Ed25519 signature, seq without gaps starting at --after-seq + 1 (default 1), one tenant,
         and every prev_receipt_hash link. Keys: --jwks FILE (a saved key set), else the Hall's
         published keys (--hall). A file never needs a token; --tenant does.
         With --tenant, the tenant's log is checked too (docs/receipts.md): the Hall's signed
         checkpoint verifies with its keys and names T's log, and the verified receipts are the
         leaves of its Merkle tree (one inclusion proof per receipt with --after-seq).
  --checkpoint FILE       an older checkpoint you kept: the live log must extend it (RFC 9162
                          consistency); a truncated, rewritten or forked log is exit 1
  --save-checkpoint FILE  after everything verified, keep the live checkpoint for next time
${HALL_OPTIONS_HELP}
  --json             verify: the verdict as one JSON object; export with --out: a summary object

Exit codes: 0 done ("verified seq 1..N"); 1 the chain does not verify (the first bad seq, its code
and why; see docs/receipts.md) or the Hall refused; 2 usage error, no token, or a malformed file or
key set (with the line number); 3 the Hall could not be reached.`;

const SPEC = { ...HALL_OPTIONS, tenant: 'string', out: 'string', 'after-seq': 'string', 'jwks-out': 'string', jwks: 'string', checkpoint: 'string', 'save-checkpoint': 'string' } as const;

/** Receipts per GET /receipts page (the Hall's maximum). */
const PAGE = 1000;

/** A local file problem: exit 2 with the sentence. */
class FileProblem extends CliUsageError {}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const [sub, ...rest] = argv;
  const usage = (msg: string): number => {
    process.stderr.write(`edgehall receipts: ${msg}\n${USAGE}\n`);
    return EXIT.usage;
  };
  if (sub !== 'export' && sub !== 'verify') return usage(sub ? `unknown subcommand '${sub}' (export or verify)` : 'name a subcommand: export or verify');
  const p = parseCliOptions(rest, SPEC);
  if (typeof p === 'string') return usage(p);
  const json = p.values['json'] === true;
  let target: HallTarget | null = null;
  try {
    const only = sub === 'export' ? ['out', 'jwks-out'] : ['jwks', 'checkpoint', 'save-checkpoint'];
    for (const name of ['out', 'jwks-out', 'jwks', 'checkpoint', 'save-checkpoint']) {
      if (name in p.values && !only.includes(name)) throw new CliUsageError(`--${name} does not apply to 'receipts ${sub}'.`);
    }
    const afterSeq = afterSeqOption(p);
    const tenant = str(p, 'tenant');
    if (sub === 'export') {
      if (tenant === undefined) throw new CliUsageError('export needs --tenant T.');
      if (p.positional.length) throw new CliUsageError(`unexpected argument '${p.positional[0]}' (write to a file with --out FILE).`);
      target = hallTarget(p, { tokenRequired: true });
      return await exportChain(hallClient(target), tenant, afterSeq, str(p, 'out'), str(p, 'jwks-out'), json);
    }
    if ((tenant === undefined) === (p.positional.length === 0) || p.positional.length > 1) {
      throw new CliUsageError('verify takes either --tenant T (the live chain) or one FILE.jsonl.');
    }
    const jwksFile = str(p, 'jwks');
    if (jwksFile !== undefined && 'hall' in p.values && tenant === undefined) throw new CliUsageError('give --jwks FILE or --hall URL for the keys, not both.');
    const keptFile = str(p, 'checkpoint');
    const saveFile = str(p, 'save-checkpoint');
    if (tenant === undefined && (keptFile !== undefined || saveFile !== undefined)) {
      throw new CliUsageError(`--${keptFile !== undefined ? 'checkpoint' : 'save-checkpoint'} checks the live log: use it with --tenant T.`);
    }
    // Read the local inputs first: a malformed file is exit 2 without touching the network.
    const file = p.positional[0];
    const fromFile = file !== undefined ? await readJsonLines(file) : null;
    const savedJwks = jwksFile !== undefined ? await readJwks(jwksFile) : null;
    const keptNote = keptFile !== undefined ? readKeptCheckpoint(keptFile) : null;
    target = hallTarget(p, { tokenRequired: tenant !== undefined });
    const client = hallClient(target);
    // The live checkpoint before the chain: the chain read after it covers all of its leaves.
    const logs = tenant !== undefined ? new HallLogClient({ baseUrl: target.url, ...(target.token !== undefined ? { token: target.token } : {}) }) : null;
    const liveNote = logs ? await logs.checkpoint(tenant!) : null;
    let receipts: unknown[];
    let lines: number[] | null = null;
    if (fromFile) {
      receipts = fromFile.values;
      lines = fromFile.lines;
      if (receipts.length === 0) throw new FileProblem(`${file} holds no receipts: nothing to verify.`);
    } else {
      receipts = [];
      for await (const r of client.receiptChain(tenant!, { after_seq: afterSeq, page_size: PAGE, max: Number.MAX_SAFE_INTEGER })) receipts.push(r);
    }
    const jwks = savedJwks ?? (await client.publicKeys());
    const verdict = await verifyChain(receipts, jwks, { expectFirstSeq: afterSeq + 1, ...(tenant !== undefined ? { tenantId: tenant } : {}) });
    const what = file ?? `the live chain of tenant '${tenant}'`;
    if (!verdict.ok || !logs) return report(verdict, receipts, afterSeq, what, lines, json);
    let log: LogCheckResult;
    try {
      log = await checkLiveLog({ logs, tenant: tenant!, jwks, liveNote: liveNote!, keptNote, receipts: receipts as { seq?: unknown }[], afterSeq });
    } catch (err) {
      if (err instanceof LogCheckFailure) return reportLog(err, tenant!, verdict, json);
      throw err;
    }
    if (saveFile !== undefined) saveCheckpoint(saveFile, log.note);
    return report(verdict, receipts, afterSeq, what, lines, json, { log, saved: saveFile ?? null });
  } catch (err) {
    return reportHallError(err, target, json);
  }
}

function afterSeqOption(p: ParsedOptions): number {
  const v = str(p, 'after-seq');
  if (v === undefined) return 0;
  if (!/^\d{1,15}$/.test(v)) throw new CliUsageError(`--after-seq must be a whole number (a seq); got '${v}'.`);
  return Number(v);
}

async function exportChain(client: HallClient, tenant: string, afterSeq: number, out: string | undefined, jwksOut: string | undefined, json: boolean): Promise<number> {
  // Keys first: a chain saved with the keys that signed it can be verified after a rotation.
  const jwks = jwksOut !== undefined ? await client.publicKeys() : null;
  const partial = out !== undefined ? `${out}.partial-${process.pid}` : undefined;
  const sink = partial !== undefined ? createWriteStream(partial, { flags: 'wx' }) : null;
  const sinkError = sink ? once(sink, 'error').then(([e]) => Promise.reject(e as Error)) : null;
  sinkError?.catch(() => undefined);
  const write = async (text: string): Promise<void> => {
    if (!sink) {
      process.stdout.write(text);
      return;
    }
    if (!sink.write(text)) await Promise.race([once(sink, 'drain'), sinkError!]);
  };
  let count = 0;
  let first: number | null = null;
  let last: number | null = null;
  try {
    for await (const r of client.receiptChain(tenant, { after_seq: afterSeq, page_size: PAGE, max: Number.MAX_SAFE_INTEGER })) {
      const seq = (r as { seq?: unknown }).seq as number;
      first ??= seq;
      last = seq;
      count++;
      await write(JSON.stringify(r) + '\n');
    }
    if (sink) {
      sink.end();
      await Promise.race([once(sink, 'finish'), sinkError!]);
      renameSync(partial!, out!);
    }
  } catch (err) {
    if (sink) {
      sink.destroy();
      rmSync(partial!, { force: true });
    }
    if (err instanceof Error && 'code' in err && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
      throw new FileProblem(`cannot write ${out}: ${err.message}`);
    }
    throw err;
  }
  if (jwks && jwksOut !== undefined) {
    try {
      writeFileSync(jwksOut, JSON.stringify(jwks, null, 2) + '\n');
    } catch (e) {
      throw new FileProblem(`cannot write ${jwksOut}: ${(e as Error).message}`);
    }
  }
  const range = count ? `seq ${first}..${last}` : 'no receipts';
  if (out !== undefined) {
    if (json) process.stdout.write(JSON.stringify({ tenant_id: tenant, receipts: count, first_seq: first, last_seq: last, out, jwks_out: jwksOut ?? null }) + '\n');
    else process.stderr.write(`exported ${count} receipt${count === 1 ? '' : 's'} of tenant '${tenant}' (${range}) to ${out}${jwksOut ? `; keys to ${jwksOut}` : ''}\n`);
  } else {
    process.stderr.write(`exported ${count} receipt${count === 1 ? '' : 's'} of tenant '${tenant}' (${range})${jwksOut ? `; keys to ${jwksOut}` : ''}\n`);
  }
  return EXIT.ok;
}

/** A JSON Lines file: one JSON object per non-blank line; anything else is exit 2 with its line number. */
async function readJsonLines(file: string): Promise<{ values: unknown[]; lines: number[] }> {
  const values: unknown[] = [];
  const lines: number[] = [];
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = once(input, 'open').catch((e: Error) => {
    throw new FileProblem(`cannot read ${file}: ${e.message}`);
  });
  await opened;
  let n = 0;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      n++;
      if (line.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (e) {
        throw new FileProblem(`${file} line ${n} is not JSON (${(e as Error).message}): a receipts file has one receipt object per line (edgehall receipts export writes one).`);
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FileProblem(`${file} line ${n} is not a JSON object: a receipts file has one receipt object per line.`);
      values.push(v);
      lines.push(n);
    }
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    throw new FileProblem(`cannot read ${file}: ${(e as Error).message}`);
  } finally {
    input.destroy();
  }
  return { values, lines };
}

async function readJwks(file: string): Promise<unknown> {
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FileProblem(`cannot read the key set ${file}: ${(e as Error).message} (save one with 'receipts export --jwks-out FILE' or from /.well-known/wcp-keys.json).`);
  }
  let usable: number;
  try {
    usable = readKeySet(jwks).length;
  } catch (e) {
    throw new FileProblem(`${file} is not a usable key set (RECEIPT_KEYS_INVALID): ${(e as Error).message}`);
  }
  if (usable === 0) throw new FileProblem(`${file} holds no Ed25519 public key (RECEIPT_KEYS_INVALID): save the Hall's /.well-known/wcp-keys.json (receipts export --jwks-out FILE).`);
  return jwks;
}

function report(verdict: ChainVerdict, receipts: unknown[], afterSeq: number, what: string, lines: number[] | null, json: boolean, live?: { log: LogCheckResult; saved: string | null }): number {
  const firstSeq = afterSeq + 1;
  if (verdict.ok) {
    const lastSeq = afterSeq + receipts.length;
    const log = live?.log;
    if (json) {
      const logFields = log ? { checkpoint: log.checkpoint, included: log.included, consistent_from: log.consistentFrom, saved_checkpoint: live!.saved } : {};
      process.stdout.write(JSON.stringify({ ok: true, verified: verdict.verified, first_seq: receipts.length ? firstSeq : null, last_seq: receipts.length ? lastSeq : null, head_hash: verdict.head_hash ?? null, ...logFields }) + '\n');
    } else {
      process.stdout.write(receipts.length ? `verified seq ${firstSeq}..${lastSeq} (${receipts.length} receipt${receipts.length === 1 ? '' : 's'}) of ${what}\n` : `${what} is empty: nothing to verify.\n`);
      if (log) process.stdout.write(logLines(log, live!.saved));
    }
    return EXIT.ok;
  }
  const line = lines && verdict.index !== undefined && lines[verdict.index] !== undefined ? lines[verdict.index] : undefined;
  if (json) {
    process.stdout.write(JSON.stringify({ ok: false, verified: verdict.verified, broken_at_seq: verdict.broken_at_seq ?? null, code: verdict.code ?? null, message: verdict.message ?? null, ...(line !== undefined ? { line } : {}) }) + '\n');
  }
  const at = verdict.broken_at_seq !== undefined ? `seq ${verdict.broken_at_seq}` : 'the chain';
  const where = line !== undefined ? ` (line ${line})` : '';
  const good = verdict.verified > 0 ? ` seq ${firstSeq}..${firstSeq + verdict.verified - 1} verified before it.` : '';
  process.stderr.write(`edgehall receipts verify: ${what} does not verify at ${at}${where}: ${verdict.code}: ${verdict.message}${good}\n`);
  return EXIT.refused;
}

function logLines(log: LogCheckResult, saved: string | null): string {
  const { origin, tree_size: size, root_hash: root } = log.checkpoint;
  const out = [`checkpoint ${origin} tree size ${size} root ${root}: signature verified with the Hall's keys`];
  out.push(log.included ? `included: the ${log.included} verified receipt${log.included === 1 ? ' is a leaf' : 's are leaves'} of that tree` : 'included: no verified receipt is in that tree yet');
  if (log.consistentFrom !== null) out.push(`consistent: the log of ${size} receipts extends your checkpoint of ${log.consistentFrom}`);
  if (saved !== null) out.push(`saved the checkpoint to ${saved}`);
  return out.map((l) => `${l}\n`).join('');
}

function reportLog(err: LogCheckFailure, tenant: string, verdict: ChainVerdict, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify({ ok: false, verified: verdict.verified, code: err.code, message: err.message }) + '\n');
  process.stderr.write(`edgehall receipts verify: the log of tenant '${tenant}' does not verify: ${err.code}: ${err.message}\n`);
  return EXIT.refused;
}
