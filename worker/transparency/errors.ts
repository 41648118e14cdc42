// Refusals of the transparency endpoints, shared by the handlers and the interim D1 reader (the
// tenant-log object answers the same code for the same cases).
import { HallHttpError } from '../http/problem.js';

/** A tree size, leaf or range the log does not hold: 400, with a sentence saying what exists. */
export function rangeInvalid(message: string): HallHttpError {
  return new HallHttpError(400, 'LOG_RANGE_INVALID', message);
}
