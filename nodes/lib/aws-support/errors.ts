import { CaseExchangeError } from "../errors";

/**
 * AWS Support errors as the package reports them: a stable code, a message
 * that says which operation, which case, which account and what AWS answered
 * (the exception name and its message) — never a credential or a request.
 */
export interface AwsErrorContext {
  operation: string;
  accountId?: string;
  caseId?: string;
}

const CODES: Record<string, string> = {
  SubscriptionRequiredException: "AWS_SUPPORT_SUBSCRIPTION_REQUIRED",
  CaseIdNotFound: "AWS_SUPPORT_CASE_NOT_FOUND",
  ThrottlingException: "AWS_SUPPORT_THROTTLED",
  TooManyRequestsException: "AWS_SUPPORT_THROTTLED",
  AttachmentSetSizeLimitExceeded: "AWS_SUPPORT_ATTACHMENT_SET_LIMIT",
  AttachmentLimitExceeded: "AWS_SUPPORT_ATTACHMENT_RATE_LIMIT",
  AttachmentSetIdNotFound: "AWS_SUPPORT_ATTACHMENT_SET_NOT_FOUND",
  AttachmentSetExpired: "AWS_SUPPORT_ATTACHMENT_SET_EXPIRED",
  AttachmentIdNotFound: "AWS_SUPPORT_ATTACHMENT_NOT_FOUND",
  CaseCreationLimitExceeded: "AWS_SUPPORT_CASE_CREATION_LIMIT",
  DescribeAttachmentLimitExceeded: "AWS_SUPPORT_DESCRIBE_ATTACHMENT_LIMIT",
  InvalidParameterValueException: "AWS_SUPPORT_INVALID_PARAMETER",
  ValidationException: "AWS_SUPPORT_INVALID_PARAMETER",
  SerializationException: "AWS_SUPPORT_INVALID_PARAMETER",
  UnrecognizedClientException: "AWS_SUPPORT_AUTH_FAILED",
  InvalidClientTokenId: "AWS_SUPPORT_AUTH_FAILED",
  InvalidSignatureException: "AWS_SUPPORT_AUTH_FAILED",
  SignatureDoesNotMatch: "AWS_SUPPORT_AUTH_FAILED",
  MissingAuthenticationTokenException: "AWS_SUPPORT_AUTH_FAILED",
  ExpiredTokenException: "AWS_SUPPORT_AUTH_FAILED",
  ExpiredToken: "AWS_SUPPORT_AUTH_FAILED",
  AccessDeniedException: "AWS_SUPPORT_ACCESS_DENIED",
  AccessDenied: "AWS_SUPPORT_ACCESS_DENIED",
  CredentialsProviderError: "AWS_SUPPORT_NO_CREDENTIALS",
  InternalServerError: "AWS_SUPPORT_UNAVAILABLE",
  TimeoutError: "AWS_SUPPORT_UNAVAILABLE",
  RequestTimeout: "AWS_SUPPORT_UNAVAILABLE",
};

export const SUBSCRIPTION_REQUIRED_TEXT =
  "this account has no Business, Enterprise On-Ramp or Enterprise support plan, which the Support API requires";

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: unknown;
}

/** The exception name AWS (or the SDK) gave the error. */
export function awsErrorName(err: unknown): string {
  const e = (err ?? {}) as SdkLikeError;
  return String(e.name && e.name !== "Error" ? e.name : (e.code ?? "Error"));
}

/** Whether the request may have reached AWS and taken effect (timeout, reset, 5xx). */
export function mayHaveReachedAws(err: unknown): boolean {
  const e = (err ?? {}) as SdkLikeError & { code?: string };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  const name = awsErrorName(err);
  if (/Timeout|TimedOut|ECONNRESET|EPIPE|socket hang up|AbortError/i.test(name)) return true;
  if (typeof e.code === "string" && /ECONNRESET|ETIMEDOUT|EPIPE|ECONNABORTED/.test(e.code)) return true;
  if (/socket hang up|ECONNRESET|timed? ?out/i.test(String(e.message ?? ""))) return true;
  return e.$fault === "server";
}

export function isThrottling(err: unknown): boolean {
  return CODES[awsErrorName(err)] === "AWS_SUPPORT_THROTTLED";
}

/** Wraps anything an SDK call threw, once. */
export function toAwsSupportError(err: unknown, ctx: AwsErrorContext): CaseExchangeError {
  if (err instanceof CaseExchangeError) return err;
  const e = (err ?? {}) as SdkLikeError;
  const name = awsErrorName(err);
  const status = e.$metadata?.httpStatusCode;
  let code = CODES[name];
  if (!code) code = status !== undefined && status >= 500 ? "AWS_SUPPORT_UNAVAILABLE" : mayHaveReachedAws(err) ? "AWS_SUPPORT_UNAVAILABLE" : "AWS_SUPPORT_ERROR";
  const where = [ctx.caseId ? `case ${ctx.caseId}` : undefined, ctx.accountId ? `account ${ctx.accountId}` : undefined].filter(Boolean).join(" in ");
  const answered = String(e.message ?? err ?? "").slice(0, 500);
  let text = `AWS Support ${ctx.operation}${where ? ` for ${where}` : ""} failed: ${name}: ${answered}`;
  if (code === "AWS_SUPPORT_SUBSCRIPTION_REQUIRED") text += ` (${SUBSCRIPTION_REQUIRED_TEXT})`;
  return new CaseExchangeError(code, text, {
    status,
    retryable: code === "AWS_SUPPORT_THROTTLED" || code === "AWS_SUPPORT_UNAVAILABLE",
    details: {
      operation: ctx.operation,
      ...(ctx.accountId ? { accountId: ctx.accountId } : {}),
      ...(ctx.caseId ? { caseId: ctx.caseId } : {}),
      awsError: name,
      awsMessage: answered,
      ...(status !== undefined ? { httpStatus: status } : {}),
      ...(e.$metadata?.attempts !== undefined ? { attempts: e.$metadata.attempts } : {}),
    },
  });
}
