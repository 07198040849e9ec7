/**
 * The retry policy of our HTTP clients, the same as the AWS SDK's standard
 * mode (STYLE.md): at most 3 attempts, full-jitter exponential backoff from a
 * 100 ms base (500 ms when throttled), capped at 20 s, and a server's
 * Retry-After honoured. Only throttling and transient failures are retried,
 * and only for requests that are safe to repeat.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  throttledBaseDelayMs: number;
  maxDelayMs: number;
  /** a Retry-After longer than this is not waited for in-line: the call fails (retryable) instead */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, throttledBaseDelayMs: 500, maxDelayMs: 20_000, maxRetryAfterMs: 60_000 };

export type FailureKind = "throttled" | "transient" | "permanent";

export function classifyStatus(status: number | undefined, networkCode?: string): FailureKind {
  if (status === 429) return "throttled";
  if (status === undefined) {
    return networkCode && ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EAI_AGAIN", "ERR_NETWORK", "ENOTFOUND", "EHOSTUNREACH"].includes(networkCode)
      ? "transient"
      : "permanent";
  }
  if (status === 500 || status === 502 || status === 503 || status === 504) return "transient";
  return "permanent";
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): full jitter capped
 * at maxDelayMs, but never shorter than the server's Retry-After.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, kind: FailureKind, retryAfter?: number, random = Math.random): number {
  const base = kind === "throttled" ? policy.throttledBaseDelayMs : policy.baseDelayMs;
  const jittered = Math.floor(random() * Math.min(policy.maxDelayMs, base * 2 ** (attempt - 1)));
  return Math.max(jittered, retryAfter ?? 0);
}
