// `edgehall enroll <registry_record.json> [--key PRIVATE_JWK_FILE] [--hall URL] [--token-env VAR] [--json]`:
// POST /enroll through HallClient, which computes the record's artifact_hash itself (pyhall's rule)
// and, with --key, signs the enrollment with a namespace key. A thin layer over HallClient.enroll.
import { readFile } from 'node:fs/promises';
import { enrollmentArtifactHash } from '../../src/client/index.js';
import { createEd25519Signer, importEd25519PrivateJwk } from '../../src/crypto/index.js';
import type { RegistryRecordLike } from '../../src/routing/schemas.js';
import { EXIT, HALL_OPTIONS, HALL_OPTIONS_HELP, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'enroll a worker registry record in a Hall (artifact_hash computed, optional namespace-key signature)';

const USAGE = `usage: edgehall enroll <registry_record.json> [--key PRIVATE_JWK_FILE] [--hall URL] [--token-env VAR] [--json]

Enrolls the registry record with the Hall (POST /enroll). The artifact_hash is computed here from the
record (any artifact_hash in the file is replaced; you are told when it differed). With --key, the
enrollment is signed with that Ed25519 private JWK (as written by 'edgehall keygen'); its kid (or
thumbprint) must be a key registered for the worker's namespace (PUT /admin/namespaces/<ns>).
  --key FILE         sign with this namespace key (required once the namespace has registered keys)
${HALL_OPTIONS_HELP}
exit 0 enrolled, 1 the Hall refused (e.g. SPECIES_OWNED, NAMESPACE_FORBIDDEN, ENROLLMENT_SIGNATURE_REQUIRED),
     2 usage, no token, or an unreadable/malformed file, 3 the Hall could not be reached`;

function fail(message: string): number {
  process.stderr.write(`edgehall enroll: ${message}\n`);
  return EXIT.usage;
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return EXIT.ok;
  const p = parseCliOptions(argv, { ...HALL_OPTIONS, key: 'string' });
  if (typeof p === 'string' || p.positional.length !== 1) {
    return fail(`${typeof p === 'string' ? p : 'give exactly one registry_record.json'}\n${USAGE}`);
  }
  const json = p.values['json'] === true;
  const file = p.positional[0]!;

  let record: Record<string, unknown>;
  try {
    const doc = await readJsonFile(file, 'registry record file');
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return fail(`registry record file ${file} must hold one JSON object (a registry record).`);
    record = doc as Record<string, unknown>;
  } catch (e) {
    return fail((e as Error).message);
  }

  let target: HallTarget;
  try {
    target = hallTarget(p, { tokenRequired: true });
  } catch (e) {
    return reportHallError(e, null, json);
  }

  const keyFile = str(p, 'key');
  let signer: { kid: string; sign(m: Uint8Array): Promise<Uint8Array> } | undefined;
  if (keyFile !== undefined) {
    try {
      const key = await importEd25519PrivateJwk(await readJsonFile(keyFile, '--key file'));
      const s = await createEd25519Signer(key.seed);
      signer = { kid: key.kid, sign: (m) => s.sign(m) };
    } catch (e) {
      return fail(`--key ${keyFile}: ${(e as Error).message}`);
    }
  }

  const computed = enrollmentArtifactHash(record);
  const inFile = record['artifact_hash'];
  const replaced = inFile !== undefined && inFile !== computed ? { from: inFile, to: computed } : null;
  if (replaced) {
    process.stderr.write(`edgehall enroll: note: the file's artifact_hash ${String(inFile)} is not the record's hash; sent the computed ${computed} instead.\n`);
  }

  try {
    const result = await hallClient(target).enroll(record as RegistryRecordLike & Record<string, unknown>, signer ? { signer } : {});
    const out = { ...result, hall: target.url, artifact_hash: computed, artifact_hash_replaced: replaced, signing_key_id: signer?.kid ?? null };
    if (json) process.stdout.write(JSON.stringify(out) + '\n');
    else {
      const species = typeof record['worker_species_id'] === 'string' ? ` (${record['worker_species_id']})` : '';
      process.stdout.write(
        `enrolled ${result.worker_id}${species} in ${target.url}\n` +
          `  enrollment_id  ${result.enrollment_id}\n` +
          `  artifact_hash  ${computed}${result.artifact_hash_verified ? ' (verified by the Hall)' : ''}\n` +
          `  signed         ${signer ? `with ${signer.kid}` : 'no (unsigned enrollment)'}\n` +
          `  enrolled_at    ${result.enrolled_at}\n`,
      );
    }
    return EXIT.ok;
  } catch (e) {
    return reportHallError(e, target, json);
  }
}
