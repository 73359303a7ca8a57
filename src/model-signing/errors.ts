import type { ErrorCode } from '../findings/index.js';
import { BulwarkError } from '../findings/index.js';

/**
 * Why a verification failed, for callers that grade it (scan findings) or test it. The message says
 * the same in words; the CLI prints the message as its one line.
 */
export type FailureReason =
  | 'file-added'
  | 'file-missing'
  | 'file-changed'
  | 'symlink'
  | 'wrong-key'
  | 'bad-signature'
  | 'untrusted-chain'
  | 'expired-certificate'
  | 'certificate-usage'
  | 'identity-mismatch'
  | 'transparency-log'
  | 'malformed-bundle'
  | 'wrong-media-type'
  | 'wrong-payload-type'
  | 'wrong-statement-type'
  | 'wrong-predicate'
  | 'malformed-statement'
  | 'wrong-method'
  | 'unsupported';

/** Failures that mean the model content differs from what was signed. */
export const INTEGRITY_REASONS: ReadonlySet<FailureReason> = new Set(['file-added', 'file-missing', 'file-changed', 'symlink']);

/** A verification failure (code VERIFICATION) or a malformed bundle (code MALFORMED), with its reason. */
export class SignatureError extends BulwarkError {
  readonly reason: FailureReason;
  constructor(code: Extract<ErrorCode, 'VERIFICATION' | 'MALFORMED' | 'UNSUPPORTED'>, reason: FailureReason, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.reason = reason;
    this.name = 'SignatureError';
  }
}

export function failure(reason: FailureReason, message: string, cause?: unknown): SignatureError {
  return new SignatureError('VERIFICATION', reason, message, cause === undefined ? undefined : { cause });
}

export function malformed(message: string, reason: FailureReason = 'malformed-bundle', cause?: unknown): SignatureError {
  return new SignatureError('MALFORMED', reason, message, cause === undefined ? undefined : { cause });
}

export function isSignatureError(e: unknown): e is SignatureError {
  return e instanceof SignatureError;
}
