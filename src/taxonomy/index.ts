// The WCP taxonomy: the catalog's strict schema, search and explain. The shipped catalog data itself
// is in ./catalog.ts (wcpTaxonomy()), imported where it is needed (the CLI) rather than re-exported
// here, so importing the SDK never pulls 160 KB of data into a bundle.
export * from './schema.js';
export { searchTaxonomy, explainTaxonomy, suggestTaxonomyIds, type TaxonomySearchOptions, type TaxonomyExplanation, type TaxonomyRelation } from './search.js';
