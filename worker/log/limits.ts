// Limits of the tenant logs that plain-data modules (the admin schemas) share with the log code.

/** A tenant may split its log into at most this many independent shards (tenant record `shards`). */
export const MAX_LOG_SHARDS = 16;
