// `edgehall keygen [--namespace org.acme] [--kid K] [--out-private FILE] [--out-public FILE] [--force]`:
// a new Ed25519 key pair as JWKs. The private JWK is written with mode 0600 and never overwrites
// an existing file unless --force.
import { writeFile } from 'node:fs/promises';
import { exportEd25519PrivateJwk, exportEd25519PublicJwk, generateEd25519KeyPair, isSignerNamespace } from '../../src/crypto/index.js';
import { parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'generate an Ed25519 namespace key pair (private and public JWK)';

const USAGE = `usage: edgehall keygen [--namespace org.<name>|x.<name>] [--kid ID] [--out-private FILE] [--out-public FILE] [--force]

Generates an Ed25519 key pair. The JWKs carry "ns" (the signer namespace the key may sign for)
when --namespace is given, and "kid" (default: the RFC 7638 thumbprint).
  no --out-private   prints {"private_jwk": {...}, "public_jwk": {...}} on stdout
  --out-private F    writes the private JWK to F (mode 0600; refuses to overwrite without --force)
                     and prints the public JWK on stdout (or writes it to --out-public)
Register the public JWK for the namespace in the Hall (PUT /admin/namespaces/<ns>) or put it in
the JWKS you pass to 'edgehall verify --keys'. Sign manifests with 'edgehall sign --key F'.`;

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { namespace: 'string', kid: 'string', 'out-private': 'string', 'out-public': 'string', force: 'boolean' });
  if (typeof p === 'string' || p.positional.length > 0) {
    process.stderr.write(`edgehall keygen: ${typeof p === 'string' ? p : 'takes no positional arguments'}\n${USAGE}\n`);
    return 2;
  }
  const ns = str(p, 'namespace');
  if (ns !== undefined && !isSignerNamespace(ns)) {
    process.stderr.write(`edgehall keygen: --namespace '${ns}' must be org.<name> or x.<name> (lowercase letters, digits, hyphens)\n`);
    return 2;
  }
  const kid = str(p, 'kid');
  const opts = { ...(ns !== undefined ? { ns } : {}), ...(kid !== undefined ? { kid } : {}) };
  const pair = await generateEd25519KeyPair();
  const privateJwk = exportEd25519PrivateJwk(pair, opts);
  const publicJwk = exportEd25519PublicJwk(pair.publicKey, opts);
  const outPrivate = str(p, 'out-private');
  const outPublic = str(p, 'out-public');
  try {
    if (outPrivate === undefined) {
      process.stdout.write(JSON.stringify({ private_jwk: privateJwk, public_jwk: publicJwk }, null, 2) + '\n');
      if (outPublic !== undefined) await writeFile(outPublic, JSON.stringify(publicJwk, null, 2) + '\n');
      return 0;
    }
    await writeFile(outPrivate, JSON.stringify(privateJwk, null, 2) + '\n', { mode: 0o600, flag: p.values.force ? 'w' : 'wx' });
    if (outPublic !== undefined) {
      await writeFile(outPublic, JSON.stringify(publicJwk, null, 2) + '\n');
      process.stdout.write(JSON.stringify({ kid: publicJwk.kid, ns: ns ?? null, private_jwk_file: outPrivate, public_jwk_file: outPublic }) + '\n');
    } else {
      process.stdout.write(JSON.stringify(publicJwk, null, 2) + '\n');
    }
    return 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'already exists (pass --force to overwrite it)' : `cannot be written (${code ?? String(e)})`;
    process.stderr.write(`edgehall keygen: ${code === 'EEXIST' ? outPrivate : 'output file'} ${why}\n`);
    return 2;
  }
}
