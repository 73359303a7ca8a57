/**
 * Typed errors with a closed set of codes (after sigstore-js `packages/verify/src/error.ts`).
 * Parsers throw these for malformed input; scanners turn them into findings.
 */
export const ERROR_CODES = [
  'USAGE', // bad flags or arguments
  'IO', // a file could not be read or written
  'CONFIG', // malformed configuration
  'LIMIT_EXCEEDED', // a named resource limit was reached
  'MALFORMED', // input does not follow its format
  'UNSUPPORTED', // a format or feature Bulwark cannot analyse
  'VERIFICATION', // a signature or digest did not verify
  'INTERNAL', // a bug: reported, never silently ignored
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class BulwarkError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BulwarkError';
  }
}

/** A named limit was exceeded. `limit` is the name in `src/limits/`. */
export class LimitExceededError extends BulwarkError {
  readonly limit: string;
  readonly value: number;
  constructor(limit: string, value: number, message?: string) {
    super('LIMIT_EXCEEDED', message ?? `limit ${limit} (${value}) exceeded`);
    this.limit = limit;
    this.value = value;
    this.name = 'LimitExceededError';
  }
}

export function isBulwarkError(e: unknown): e is BulwarkError {
  return e instanceof BulwarkError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
