// Store failures are never swallowed: they surface as 503 so no decision leaves the Hall unrecorded.
import { HallHttpError } from '../http/problem.js';

export class StoreUnavailableError extends HallHttpError {
  constructor(store: 'kv' | 'd1', operation: string, cause?: unknown) {
    super(
      503,
      store === 'kv' ? 'HALL_CONFIG_STORE_UNAVAILABLE' : 'HALL_EVIDENCE_STORE_UNAVAILABLE',
      store === 'kv'
        ? 'The Hall could not read its configuration store (KV), so it refuses to decide. Retry shortly; if it persists, check the HALL_KV binding.'
        : 'The Hall could not record evidence in its database (D1); nothing was allowed. Retry shortly; if it persists, check the HALL_DB binding and migrations.',
      { operation },
    );
    this.name = 'StoreUnavailableError';
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
