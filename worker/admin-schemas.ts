// The bodies of the admin API, as strict zod schemas: an unknown key or an out-of-enum value is
// refused with its path, never dropped. Plain data (no store types), so the Node-side property test
// mutates exactly what the Worker validates. OpenAPI is generated from these.
import { z } from 'zod';
import { Ed25519PublicJwkSchema, isSignerNamespace } from '../src/crypto/index.js';
import { HallConfigSchema } from '../src/routing/index.js';
import { TenantFactsFieldsSchema } from '../src/routing/tenant-facts.js';
import { DEFAULT_APPROVER_LEVEL, SUPERVISOR_LEVELS } from './supervisor-levels.js';
import { MAX_LOG_SHARDS } from './log/limits.js';

/** The admin API refuses unknown keys (a typo must not silently become a default). */
export const HallConfigBodySchema = HallConfigSchema.strict();

/** One public key of a namespace: strict, so a private JWK (`d`) or a typo is refused, never dropped. */
const NamespaceKeySchema = Ed25519PublicJwkSchema.extend({
  kid: z.string().min(1).max(200),
  alg: z.enum(['EdDSA', 'Ed25519']).optional(),
  use: z.literal('sig').optional(),
}).strict();

export const NamespaceKeysBodySchema = z.object({ keys: z.array(NamespaceKeySchema).min(1).max(20) }).strict();

const PackageHash = z
  .string()
  .transform((s) => (s.startsWith('sha256:') ? s.slice(7) : s))
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 package hash (64 lowercase hex, optionally prefixed sha256:)'));

export const BanListBodySchema = z
  .object({
    add: z.array(z.object({ hash: PackageHash, reason: z.string().min(1).max(500) }).strict()).max(1000).default([]),
    remove: z.array(PackageHash).max(1000).default([]),
  })
  .strict()
  .refine((b) => b.add.length + b.remove.length > 0, { message: 'give at least one entry in add or remove' });

const Token = z.string().min(24, 'tokens must be at least 24 characters').max(512).regex(/^[A-Za-z0-9._~+/=-]+$/, 'tokens use URL-safe characters only');

/**
 * A tenant record. `tenant_risk`, `data_label_floor` and `allowed_envs` are Hall-held facts: /route
 * decides on the stricter of them and what the caller declares, and denies envs not allowed
 * (DENY_ENV_NOT_ALLOWED). A fact left out is not held (the caller's value stands for it).
 */
export const TenantBodySchema = z
  .object({
    token: Token,
    namespaces: z.array(z.string().refine(isSignerNamespace, 'must be org.<name> or x.<name>')).max(50).default([]),
    ...TenantFactsFieldsSchema.shape,
    /**
     * Independent evidence logs for this tenant (each its own chain and checkpoints; receipts name
     * their `shard`). Default 1: one log. Raise it only when one log's ~1,000 appends/s is not enough;
     * lowering it stops appends to the higher shards, whose logs stay readable.
     */
    shards: z.number().int().min(1).max(MAX_LOG_SHARDS).optional(),
  })
  .strict();

/** `level`: the highest supervisor level the approver may decide (ladder in worker/approvals.ts). */
export const ApproverBodySchema = z
  .object({
    token: Token,
    tenants: z.array(z.string().min(1).max(256)).min(1).max(1000),
    level: z.enum(SUPERVISOR_LEVELS).default(DEFAULT_APPROVER_LEVEL),
  })
  .strict();

export const SpeciesOwnerBodySchema = z
  .object({ namespace: z.string().refine(isSignerNamespace, 'must be org.<name> or x.<name>') })
  .strict();
