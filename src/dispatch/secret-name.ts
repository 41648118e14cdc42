// Which Worker secrets a namespace's dispatch target may name. A tenant must never be able to make
// the Hall send another tenant's credential — or one of the Hall's own secrets (HALL_*) — upstream,
// so a secret name is bound to exactly one namespace:
//
//   DISPATCH_<NS>__<NAME>    NS   = the namespace upper-cased, "." and "-" written as "_"
//                                   (org.demo → ORG_DEMO, x.acme-labs → X_ACME_LABS)
//                            NAME = upper-case letters and digits in "_"-separated words
//                                   (no leading, trailing or doubled "_")
//
// No name belongs to two namespaces: the NS encoding is one-to-one, and were one namespace's prefix
// a proper prefix of another's, the rest of the longer prefix (a lone "_", or text ending in "__")
// would sit inside NAME — and NAME may neither start with "_" nor contain "__".
import { isSignerNamespace } from '../crypto/jwk-core.js';

const NAME_WORDS = /^[A-Z0-9]+(?:_[A-Z0-9]+)*$/;
export const DISPATCH_SECRET_MAX_LENGTH = 128;

/** The prefix every dispatch secret of namespace `ns` starts with (`DISPATCH_ORG_DEMO__`). */
export function dispatchSecretPrefix(ns: string): string {
  if (!isSignerNamespace(ns)) throw new TypeError(`${ns} is not a namespace (org.<name> or x.<name>)`);
  return `DISPATCH_${ns.toUpperCase().replace(/[.-]/g, '_')}__`;
}

/** Why `name` may not be used by namespace `ns` (null when it may). */
export function dispatchSecretProblem(name: string, ns: string): string | null {
  const prefix = dispatchSecretPrefix(ns);
  if (name.length > DISPATCH_SECRET_MAX_LENGTH) return `is longer than ${DISPATCH_SECRET_MAX_LENGTH} characters`;
  if (!name.startsWith(prefix)) return `is not a secret of ${ns}: its dispatch secrets are named ${prefix}<NAME>`;
  if (!NAME_WORDS.test(name.slice(prefix.length))) {
    return `must end in ${prefix}<NAME>, NAME being upper-case letters and digits in words joined by single "_"`;
  }
  return null;
}
