// edgehall/client: HTTP clients for the edge Hall (HallClient) and the pyhall registry
// (RegistryClient), web-standard fetch only.
export * from './index.js';
export { RegistryClient } from './registry-client.js';
