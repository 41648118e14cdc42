// The WCP taxonomy catalog's shape, derived from the reference catalog (catalog.json, see README.md).
// Strict: an unknown key, an out-of-enum value or an id whose prefix does not match its type is
// refused with its path; the catalog as a whole must have unique ids, a matching
// `_meta.total_entities` and every cross-reference (controls, served capabilities) resolving.
import { z } from 'zod';
import { DETERMINISM_LEVELS, IDEMPOTENCY_LEVELS, RISK_TIERS } from '../routing/schemas.js';

export const TAXONOMY_ENTITY_TYPES = ['capability', 'worker_species', 'control', 'profile', 'policy'] as const;
export type TaxonomyEntityType = (typeof TAXONOMY_ENTITY_TYPES)[number];

/** The id prefix each entity type uses (`cap.doc.summarize`, `wrk.doc.summarizer`, ...). */
export const TAXONOMY_ID_PREFIX: Readonly<Record<TaxonomyEntityType, string>> = {
  capability: 'cap',
  worker_species: 'wrk',
  control: 'ctrl',
  profile: 'prof',
  policy: 'pol',
};

// Risk tiers, idempotency and determinism share the registry record's WCP enums (routing/schemas.ts).
const RiskTierSchema = z.enum(RISK_TIERS);

const ID_TAIL = '[a-z0-9]+(?:[.-][a-z0-9]+)*';
const idOf = (prefix: string) =>
  z.string().max(200).regex(new RegExp(`^${prefix}\\.${ID_TAIL}$`), { message: `must be a ${prefix}.* id (lowercase letters, digits, dots, hyphens)` });
const CapIdSchema = idOf('cap');
const CtrlIdSchema = idOf('ctrl');
const Tag = z.string().min(1).max(100).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: 'tags are lowercase words joined by hyphens' });
const Text = (max: number) => z.string().min(1).max(max);
const tierList = z.array(RiskTierSchema).min(1).max(RISK_TIERS.length);

/** 0 (none) .. 5 per dimension (spec §7); the reference catalog uses 0..4. Reversibility as the catalog spells it. */
const Dim = z.number().int().min(0).max(5);
export const TaxonomyBlastRadiusHintSchema = z.strictObject({
  data: Dim,
  network: Dim,
  financial: Dim,
  time: Dim,
  reversibility: z.enum(['reversible', 'partially-reversible', 'irreversible']),
});
export type TaxonomyBlastRadiusHint = z.infer<typeof TaxonomyBlastRadiusHintSchema>;

// The reference catalog spells "non-deterministic" both with and without the hyphen (as the
// registry enum does); the data is kept as published.
const IdempotencySchema = z.enum(IDEMPOTENCY_LEVELS);
const DeterminismSchema = z.enum(DETERMINISM_LEVELS);

const common = {
  name: Text(200),
  description: Text(2000),
  tags: z.array(Tag).max(50),
  // Every catalog id is in the WCP-reserved namespace; tenant ids (org.*, x.*) never appear.
  wcp_namespace: z.literal('reserved'),
};

const behaviour = {
  risk_tier: RiskTierSchema,
  blast_radius_hint: TaxonomyBlastRadiusHintSchema,
  idempotency: IdempotencySchema,
  determinism: DeterminismSchema,
};

export const CapabilityEntitySchema = z.strictObject({
  id: CapIdSchema,
  type: z.literal('capability'),
  ...common,
  ...behaviour,
  typical_controls: z.array(CtrlIdSchema).max(100),
});

export const WorkerSpeciesEntitySchema = z.strictObject({
  id: idOf('wrk'),
  type: z.literal('worker_species'),
  ...common,
  ...behaviour,
  serves_capabilities: z.array(CapIdSchema).max(500),
  required_controls: z.array(CtrlIdSchema).max(100),
});

export const ControlEntitySchema = z.strictObject({
  id: CtrlIdSchema,
  type: z.literal('control'),
  ...common,
  enforcement_point: z.enum(['platform', 'worker', 'hall']),
  required_for_risk_tiers: tierList,
});

export const ProfileEntitySchema = z.strictObject({
  id: idOf('prof'),
  type: z.literal('profile'),
  ...common,
  controls_required: z.array(CtrlIdSchema).max(100),
  recommended_for_risk_tiers: tierList,
});

export const PolicyEntitySchema = z.strictObject({
  id: idOf('pol'),
  type: z.literal('policy'),
  ...common,
  controls_required: z.array(CtrlIdSchema).max(100),
});

/** One catalog entity; `type` selects the shape (and the id prefix). */
export const TaxonomyEntitySchema = z.discriminatedUnion('type', [
  CapabilityEntitySchema,
  WorkerSpeciesEntitySchema,
  ControlEntitySchema,
  ProfileEntitySchema,
  PolicyEntitySchema,
]);
export type TaxonomyEntity = z.infer<typeof TaxonomyEntitySchema>;
export type CapabilityEntity = z.infer<typeof CapabilityEntitySchema>;
export type WorkerSpeciesEntity = z.infer<typeof WorkerSpeciesEntitySchema>;
export type ControlEntity = z.infer<typeof ControlEntitySchema>;
export type ProfileEntity = z.infer<typeof ProfileEntitySchema>;
export type PolicyEntity = z.infer<typeof PolicyEntitySchema>;

export const TaxonomyMetaSchema = z.strictObject({
  version: Text(50),
  wcp_spec: Text(50),
  total_entities: z.number().int().min(0),
  built: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a YYYY-MM-DD date' }),
});

/** The fields of an entity that name other entities, with the type they must resolve to. */
export const TAXONOMY_LINK_FIELDS = {
  typical_controls: 'control',
  serves_capabilities: 'capability',
  required_controls: 'control',
  controls_required: 'control',
} as const satisfies Record<string, TaxonomyEntityType>;
export type TaxonomyLinkField = keyof typeof TAXONOMY_LINK_FIELDS;

export const TaxonomyCatalogSchema = z
  .strictObject({
    _meta: TaxonomyMetaSchema,
    entities: z.array(TaxonomyEntitySchema).max(100_000),
  })
  .superRefine((c, ctx) => {
    if (c._meta.total_entities !== c.entities.length) {
      ctx.addIssue({ code: 'custom', path: ['_meta', 'total_entities'], message: `says ${c._meta.total_entities} but the catalog holds ${c.entities.length} entities` });
    }
    const types = new Map<string, TaxonomyEntityType>();
    c.entities.forEach((e, i) => {
      if (types.has(e.id)) ctx.addIssue({ code: 'custom', path: ['entities', i, 'id'], message: `duplicate id ${e.id}` });
      types.set(e.id, e.type);
    });
    c.entities.forEach((e, i) => {
      for (const [field, want] of Object.entries(TAXONOMY_LINK_FIELDS)) {
        const refs = (e as Record<string, unknown>)[field];
        if (!Array.isArray(refs)) continue;
        refs.forEach((ref: string, j) => {
          if (types.get(ref) !== want) ctx.addIssue({ code: 'custom', path: ['entities', i, field, j], message: `${ref} is not a ${want} in this catalog` });
        });
      }
    });
  });
export type TaxonomyCatalog = z.infer<typeof TaxonomyCatalogSchema>;
