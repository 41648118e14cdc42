// Every error a user can hit carries a stable code and a sentence that says what to do.

export class EdgehallError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EdgehallError';
    this.code = code;
    this.details = details;
  }
}

/** One problem found while validating input: where it is and what is wrong. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** Raised when input does not match its schema; lists every problem, not just the first. */
export class ValidationError extends EdgehallError {
  readonly issues: ValidationIssue[];
  constructor(what: string, issues: ValidationIssue[]) {
    const first = issues[0];
    const where = first ? ` at ${first.path.length ? first.path.join('.') : '(root)'}: ${first.message}` : '';
    super(
      'INVALID_INPUT',
      `${what} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'})${where}. Fix the listed fields and retry.`,
      { issues },
    );
    this.name = 'ValidationError';
    this.issues = issues;
  }
}
