// edgehall/client: HTTP clients for the edge Hall (HallClient, and HallLogClient for its tenant
// logs' checkpoints and proofs) and the pyhall registry (RegistryClient), web-standard fetch only.
export * from './index.js';
export { RegistryClient } from './registry-client.js';
export { HallLogClient, type HallReceiptProof, type HallConsistencyProof } from './log-client.js';
