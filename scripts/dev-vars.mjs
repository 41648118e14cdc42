// .dev.vars: the local secrets `wrangler dev` loads (dotenv syntax). Created by `npm start` when
// absent; keys missing from an existing file are appended, existing values are never changed.
//   HALL_ADMIN_TOKEN        admin bearer token (acts for any tenant, calls /admin/*)
//   HALL_SIGNING_KEY        Ed25519 private key as a JWK, JSON in single quotes (signs receipts)
//   HALL_DEMO_TENANT_TOKEN  bearer token of the seed's signatory tenant "demo" (only its SHA-256 goes to KV)
//   HALL_DEMO_APPROVER_TOKEN bearer token of the seed's approver "demo-approver" (gatekeeper of tenant demo)
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** RFC 7638 thumbprint of an Ed25519 public key: the key id receipts cite. */
export function jwkThumbprint(x) {
  return b64url(createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest());
}

export function newSigningKeyJwk() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d, kid: jwkThumbprint(jwk.x) };
}

export const newToken = () => b64url(randomBytes(32));

/** Minimal dotenv reader for the file this module writes (KEY=value, KEY='literal', KEY="text", # comments). */
export function parseDevVars(text) {
  const vars = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.endsWith(value[0])) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    vars[m[1]] = value;
  }
  return vars;
}

const GENERATORS = {
  HALL_ADMIN_TOKEN: () => ({ comment: 'Admin bearer token: acts for any tenant and calls /admin/*.', line: `HALL_ADMIN_TOKEN=${newToken()}` }),
  HALL_SIGNING_KEY: () => ({
    comment: 'Ed25519 private JWK (JSON) that signs evidence receipts; its public half is served at /.well-known/wcp-keys.json.',
    line: `HALL_SIGNING_KEY='${JSON.stringify(newSigningKeyJwk())}'`,
  }),
  HALL_DEMO_TENANT_TOKEN: () => ({ comment: 'Bearer token of the seed tenant "demo" (KV stores only its SHA-256).', line: `HALL_DEMO_TENANT_TOKEN=${newToken()}` }),
  HALL_DEMO_APPROVER_TOKEN: () => ({
    comment: 'Bearer token of the seed approver "demo-approver" (gatekeeper for tenant demo; KV stores only its SHA-256).',
    line: `HALL_DEMO_APPROVER_TOKEN=${newToken()}`,
  }),
};

/** Ensures `path` holds every Hall secret; returns { vars, created, added }. */
export function ensureDevVars(path) {
  const created = !existsSync(path);
  let text = created ? `# Local secrets for \`wrangler dev\`, created by \`npm start\` on ${new Date().toISOString()}.\n# Never commit this file (.gitignore lists it). Delete it to get fresh secrets.\n` : readFileSync(path, 'utf8');
  const present = parseDevVars(text);
  const added = [];
  for (const [name, gen] of Object.entries(GENERATORS)) {
    if (present[name]) continue;
    const { comment, line } = gen();
    if (text.length && !text.endsWith('\n')) text += '\n';
    text += `# ${comment}\n${line}\n`;
    added.push(name);
  }
  if (added.length) writeFileSync(path, text, { mode: 0o600 });
  return { vars: parseDevVars(text), created, added };
}
