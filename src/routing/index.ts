// Public surface of the WCP decision engine.
export * from './schemas.js';
export {
  DENY_CODES,
  DENY_MESSAGES,
  REQUIRE_CREDENTIAL_WARNING,
  PRIVILEGE_INTERNAL_ERROR_MESSAGE,
  POST_SELECT_INTERNAL_ERROR_MESSAGE,
  gateInvalidResponseMessage,
  attestationMissingMessage,
  attestationInvalidHashMessage,
  hashUnavailableMessage,
  tamperedMessage,
  privilegeViolatedMessage,
  type DenyCode,
} from './codes.js';
export { WCP_ID_KINDS, isWcpId, wcpIdProblem, tenantNamespaceOf, type WcpIdKind } from './ids.js';
export { isPyBlank, pyRepr, pyTruthy } from './pyfns.js';
export {
  compileRules,
  referenceShadows,
  RulesError,
  MATCH_FIELDS,
  ESCALATION_DEFAULTS,
  PRECONDITION_DEFAULTS,
  type CompiledRules,
  type CompiledRule,
  type CompileRulesOptions,
  type ShadowResult,
} from './rules.js';
export {
  WorkerRegistry,
  buildRegistry,
  isControlId,
  MalformedEnvelopeError,
  workerFactsFromRecord,
  blastScoreOfRadius,
  type BuildRegistryOptions,
  type RecordFacts,
} from './registry.js';
export { artifactHashPreimage, computeArtifactHash, type ArtifactHashInput } from './artifact-hash.js';
export { isoTimestamp } from './clock.js';
export {
  compilePolicy,
  DEFAULT_SUPERVISOR_LEVEL,
  type CompiledPolicy,
  type PolicyResult,
  type PolicyFacts,
} from './policy.js';
export {
  decide,
  blastHeuristic,
  denyBeforeRouting,
  trustedBlastScore,
  type WorkerFacts,
  type TrustedFactsReport,
  type DecideContext,
  type DecideOptions,
  type PolicyGateFn,
  type PostSelectDeny,
  type PostSelectInfo,
  type RegistryClientHook,
} from './decide.js';
export { lintRules, type LintIssue, type LintReport } from './lint.js';
export { checkWorkerCompliance, type ComplianceLevel, type ComplianceReport } from './compliance.js';
export * from './tenant-facts.js';
export { Hall, parseRouteInput, parseHallConfig, type HallOptions } from './hall.js';
