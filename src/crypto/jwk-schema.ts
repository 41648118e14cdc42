// zod wire schemas for Ed25519 JWKs and key sets (the single source of truth for the wire type;
// jwk.ts mirrors them by hand for the small browser verify path, and a test keeps them in step).
import { z } from 'zod';

const base64url32 = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes of unpadded base64url (43 characters)');

export const SignerNamespaceSchema = z
  .string()
  .regex(/^(?:org|x)\.[a-z0-9](?:[a-z0-9-]{0,62})$/, 'must be org.<name> or x.<name> (lowercase letters, digits, hyphens)');

export const Ed25519PublicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: base64url32,
  kid: z.string().min(1).max(200).optional(),
  ns: SignerNamespaceSchema.optional(),
  alg: z.string().optional(),
  use: z.string().optional(),
});

export const Ed25519PrivateJwkSchema = Ed25519PublicJwkSchema.extend({ d: base64url32 });

/** A public key set, as served at `/.well-known/wcp-keys.json`. */
export const JwksSchema = z.object({ keys: z.array(Ed25519PublicJwkSchema).max(1000) });

export type Ed25519PublicJwkWire = z.infer<typeof Ed25519PublicJwkSchema>;
export type Ed25519PrivateJwkWire = z.infer<typeof Ed25519PrivateJwkSchema>;
export type JwksWire = z.infer<typeof JwksSchema>;
