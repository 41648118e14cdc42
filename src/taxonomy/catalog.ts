// The WCP taxonomy catalog edgehall ships (catalog.json beside this file; provenance in README.md and
// WCP_TAXONOMY_SOURCE). The JSON is inlined into this module by the build, so the data travels with
// the package without a file read and runs in browsers and workerd as well as Node. It is kept out of
// the `edgehall/verify` and `edgehall/client` entries; only what imports this module carries it.
import raw from './catalog.json';
import { TaxonomyCatalogSchema, type TaxonomyCatalog } from './schema.js';

/** Where the shipped catalog comes from and under which licence (keep with any copy of the data). */
export const WCP_TAXONOMY_SOURCE =
  'WCP taxonomy catalog 0.1.0 (WCP spec 0.1) as published with the pyhall reference ' +
  '(pyhall-python, pyhall/taxonomy/catalog.json), Apache-2.0; shipped unchanged.';

let cached: TaxonomyCatalog | undefined;

/**
 * The shipped catalog, checked against TaxonomyCatalogSchema on first use (a malformed catalog
 * throws rather than answering from bad data). Treat the result as read-only; it is shared.
 */
export function wcpTaxonomy(): TaxonomyCatalog {
  cached ??= TaxonomyCatalogSchema.parse(raw);
  return cached;
}
