// The client module as the root `edgehall` entry re-exports it (`edgehall/client` is entry.ts).
// `PyhallRegistryClient` is an alias of `RegistryClient` for code that imports both clients.
export { HallClient } from './hall-client.js';
export type {
  HallClientOptions,
  HallRouteRequest,
  HallRouteResult,
  HallApprovalHint,
  HallEnrollOptions,
  HallEnrollResult,
  HallDecisionQuery,
  HallDecisionRecord,
  HallDecisionPage,
  HallReceiptQuery,
  HallChainOptions,
  HallApproval,
  HallApprovalResolution,
  HallAttestVerifyParams,
  HallUploadOptions,
  HallAttestVerdict,
  HallWorkersQuery,
  HallWhoami,
  HallFeedQuery,
  HallFeedPage,
  HallDenialsQuery,
} from './hall-client.js';
export type { HallReceipt, HallJwks } from './receipt-check.js';
export { RegistryClient, RegistryClient as PyhallRegistryClient, PYHALL_REGISTRY_URL } from './registry-client.js';
export type {
  RegistryClientOptions,
  RegistryWorkerState,
  RegistryWorkerStatus,
  RegistryBanEntry,
  RegistryAttestationSubmission,
  RegistryAttestationRecord,
  RegistryPrefetchReport,
} from './registry-client.js';
export { type EnrollmentSigner } from './enrollment.js';
export { enrollmentArtifactHash, enrollmentStatement } from '../routing/enrollment-hash.js';
export { HallApiError, HallReceiptError, CLIENT_CODES } from './errors.js';
export type { HallApiErrorInit } from './errors.js';
export type { FetchLike, TokenSource, TransportOptions, CallOptions, UploadBody } from './http.js';
