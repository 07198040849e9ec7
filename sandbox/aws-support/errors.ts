/**
 * An error the simulated Support API answers as awsJson1_1 does:
 * `{"__type": "<code>", "message": "…"}` with HTTP 400 (500 for InternalServerError).
 */
export class SupportApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }

  toBody(): Record<string, unknown> {
    return { __type: this.type, message: this.message, ...this.extra };
  }
}

export const errors = {
  caseIdNotFound: (caseId: string) => new SupportApiError("CaseIdNotFound", `Invalid case ID: ${caseId}`),
  attachmentSetIdNotFound: () => new SupportApiError("AttachmentSetIdNotFound", "An attachment set with the specified ID could not be found."),
  attachmentSetExpired: () => new SupportApiError("AttachmentSetExpired", "The expiration time of the attachment set has passed. The set expires 1 hour after it is created."),
  attachmentSetSizeLimitExceeded: (detail: string) =>
    new SupportApiError("AttachmentSetSizeLimitExceeded", `A limit for the size of an attachment set has been exceeded. The limits are three attachments and 5 MB per attachment. (${detail})`),
  attachmentLimitExceeded: () => new SupportApiError("AttachmentLimitExceeded", "The limit for the number of attachment sets created in a short period of time has been exceeded."),
  attachmentIdNotFound: () => new SupportApiError("AttachmentIdNotFound", "An attachment with the specified ID could not be found."),
  caseCreationLimitExceeded: () => new SupportApiError("CaseCreationLimitExceeded", "The case creation limit for the account has been exceeded."),
  describeAttachmentLimitExceeded: () =>
    new SupportApiError("DescribeAttachmentLimitExceeded", "The limit for the number of DescribeAttachment requests in a short period of time has been exceeded."),
  throttling: () => new SupportApiError("ThrottlingException", "Rate exceeded", 400, { throttlingReasons: [] }),
  subscriptionRequired: () => new SupportApiError("SubscriptionRequiredException", "AWS Premium Support Subscription is required to use this service."),
  unrecognizedClient: () => new SupportApiError("UnrecognizedClientException", "The security token included in the request is invalid."),
  expiredToken: () => new SupportApiError("ExpiredTokenException", "The security token included in the request is expired"),
  missingToken: () => new SupportApiError("MissingAuthenticationTokenException", "Missing Authentication Token"),
  invalidSignature: () =>
    new SupportApiError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ),
  unknownOperation: () => new SupportApiError("UnknownOperationException", "Unknown operation"),
  serialization: (detail: string) => new SupportApiError("SerializationException", detail),
  dryRun: () => new SupportApiError("DryRunOperationException", "The request would have succeeded, but the dryRun parameter was set."),
  internal: (detail = "An internal server error occurred.") => new SupportApiError("InternalServerError", detail, 500),
  /** Coral's constraint error, as AWS JSON services word it. */
  validation: (member: string, value: unknown, constraint: string) =>
    new SupportApiError("ValidationException", `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`),
  invalidParameter: (message: string) => new SupportApiError("InvalidParameterValueException", message),
};
