/**
 * The one error type every part of the package throws. `code` is stable
 * (Catch nodes see it as msg.error.code); `details` says which record, which
 * account and what the remote system answered — never a credential.
 */
export class CaseExchangeError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** true when trying again later may succeed (throttling, 5xx, timeouts) */
  readonly retryable: boolean;
  /** HTTP status the remote answered, when there was one */
  readonly status?: number;

  constructor(code: string, message: string, options: { details?: Record<string, unknown>; retryable?: boolean; status?: number } = {}) {
    super(message);
    this.name = "CaseExchangeError";
    this.code = code;
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
    this.status = options.status;
  }
}

export function isCaseExchangeError(err: unknown): err is CaseExchangeError {
  return err instanceof CaseExchangeError;
}

/** An input problem found before anything was sent. */
export function inputInvalid(message: string, details: Record<string, unknown> = {}): CaseExchangeError {
  return new CaseExchangeError("INPUT_INVALID", message, { details });
}

/** Turns anything thrown into a CaseExchangeError without carrying request objects (headers hold secrets). */
export function toCaseExchangeError(err: unknown, fallbackCode = "INTERNAL_ERROR"): CaseExchangeError {
  if (err instanceof CaseExchangeError) return err;
  if (err instanceof Error) {
    const code = typeof (err as { code?: unknown }).code === "string" ? String((err as { code?: unknown }).code) : fallbackCode;
    return new CaseExchangeError(code, err.message);
  }
  return new CaseExchangeError(fallbackCode, String(err));
}
