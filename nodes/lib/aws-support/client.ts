import {
  AddAttachmentsToSetCommand,
  AddCommunicationToCaseCommand,
  CreateCaseCommand,
  DescribeAttachmentCommand,
  DescribeCasesCommand,
  DescribeCommunicationsCommand,
  DescribeServicesCommand,
  DescribeSeverityLevelsCommand,
  ResolveCaseCommand,
  SupportClient,
  paginateDescribeCases,
  paginateDescribeCommunications,
  type CaseDetails,
  type Communication,
  type DescribeCasesCommandInput,
  type Service,
  type SeverityLevel,
} from "@aws-sdk/client-support";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorInfo, RetryStrategyV2, RetryToken } from "@smithy/types";
import { CaseExchangeError, inputInvalid } from "../errors";
import { registerSecret } from "../redact";
import { planAttachmentSets, type AttachmentFile } from "./attachments";
import { isThrottling, mayHaveReachedAws, toAwsSupportError } from "./errors";
import { isOwnBody, markerOf, newMarkerId, withMarker } from "./marker";
import type { WatchApi, WatchCase, WatchCommunication } from "./watch";

/** The subject prefix the seed app puts on cases of non-production accounts. */
export const TEST_SUBJECT_PREFIX = "TEST CASE--Please ignore";
export const SUPPORT_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;

export type AwsCredentialSource =
  | { mode: "keys"; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { mode: "chain" };

export interface AwsSupportClientOptions {
  accountId?: string;
  /** us-east-1 (default), us-west-2 or eu-west-1 */
  region?: string;
  /** Support API endpoint override (simulator, VPC endpoint) */
  endpoint?: string;
  credentials: AwsCredentialSource;
  /** a role to assume on top of the credentials (fromTemporaryCredentials) */
  roleArn?: string;
  externalId?: string;
  roleSessionName?: string;
  /** STS endpoint override for the assume-role call */
  stsEndpoint?: string;
  /** false → subjects get TEST_SUBJECT_PREFIX (default true) */
  production?: boolean;
  /** case language (default en) */
  language?: string;
  /** attempts per call, SDK standard retry (default 3) */
  maxAttempts?: number;
  /** socket timeout per attempt (default 30 s) */
  requestTimeoutMs?: number;
  /** how far before a create's start its recovery lookup searches (default 5 min, covers clock skew) */
  lookupSkewMs?: number;
  /** for tests: a pre-built credential provider instead of `credentials` */
  credentialProvider?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

export interface CreateCaseInput {
  subject: string;
  communicationBody: string;
  serviceCode?: string;
  categoryCode?: string;
  severityCode?: string;
  issueType?: string;
  ccEmailAddresses?: string[];
  language?: string;
  attachments?: unknown[];
}

export interface CreateCaseResult {
  caseId: string;
  displayId?: string;
  subject: string;
  /** true when the case was found by the lookup after a lost answer, instead of created by the last call */
  recovered: boolean;
  attachmentSetIds: string[];
  marker: string;
}

export interface AddCommunicationInput {
  caseId: string;
  communicationBody: string;
  ccEmailAddresses?: string[];
  attachments?: unknown[];
}

export interface AddCommunicationResult {
  caseId: string;
  /** communications written (1 + one per further attachment set) */
  communications: number;
  attachmentSetIds: string[];
  recovered: boolean;
  markers: string[];
}

export interface DescribeCasesInput {
  caseIdList?: string[];
  displayId?: string;
  afterTime?: string;
  beforeTime?: string;
  includeResolvedCases?: boolean;
  includeCommunications?: boolean;
  language?: string;
  /** stop after this many cases (default: all pages) */
  limit?: number;
}

export interface ClientStats {
  /** HTTP requests sent to the Support API (retries included) */
  requests: number;
  byOperation: Record<string, number>;
}

type Json = Record<string, unknown>;

/**
 * One AWS account's Support API: an SDK client with the SDK's standard retry
 * for reads, and a second client for writes (CreateCase, AddCommunicationToCase,
 * AddAttachmentsToSet) whose retry strategy is the same SDK strategy limited
 * to throttling answers — a throttled request was refused, so it is safe to
 * send again; one that timed out or got a 5xx may have taken effect, so the
 * case or communication is looked up before anything is re-sent.
 */
export class AwsSupportAccountClient implements WatchApi {
  readonly accountId: string;
  readonly region: string;
  readonly production: boolean;
  readonly language: string;
  readonly sdk: SupportClient;
  private readonly writer: SupportClient;
  readonly stats: ClientStats = { requests: 0, byOperation: {} };
  private readonly skew: number;

  constructor(options: AwsSupportClientOptions) {
    this.accountId = options.accountId ?? "";
    this.region = options.region || "us-east-1";
    if (!(SUPPORT_REGIONS as readonly string[]).includes(this.region))
      throw inputInvalid(`The Support API answers in ${SUPPORT_REGIONS.join(", ")}; region "${this.region}" is not one of them`, { accountId: this.accountId });
    this.production = options.production ?? true;
    this.language = options.language || "en";
    this.skew = options.lookupSkewMs ?? 5 * 60_000;
    const credentials = options.credentialProvider ?? buildCredentials(options, this.region);
    const maxAttempts = options.maxAttempts ?? 3;
    const timeout = options.requestTimeoutMs ?? 30_000;
    const requestHandler = { requestTimeout: timeout, throwOnRequestTimeout: true, socketTimeout: timeout, connectionTimeout: Math.min(timeout, 10_000) };
    const common = { region: this.region, credentials, requestHandler, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
    this.sdk = new SupportClient({ ...common, maxAttempts });
    const base = this.sdk.config.retryStrategy();
    this.writer = new SupportClient({ ...common, retryStrategy: throttlingOnly(base) });
    for (const c of [this.sdk, this.writer]) {
      c.middlewareStack.add(
        (next, context) => async (args) => {
          this.stats.requests++;
          const op = String((context as { commandName?: string }).commandName ?? "?").replace(/Command$/, "");
          this.stats.byOperation[op] = (this.stats.byOperation[op] ?? 0) + 1;
          return next(args);
        },
        { step: "finalizeRequest", name: "caseExchangeCallCounter", priority: "low" },
      );
    }
  }

  /** The subject as sent: prefixed for a non-production account. */
  subjectFor(subject: string): string {
    if (this.production || subject.startsWith(TEST_SUBJECT_PREFIX)) return subject;
    return `${TEST_SUBJECT_PREFIX} ${subject}`;
  }

  private async call<T>(operation: string, fn: () => Promise<T>, caseId?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toAwsSupportError(err, { operation, accountId: this.accountId || undefined, caseId });
    }
  }

  // ------------------------------------------------------------------ checks

  /** Checks credentials and the support plan: DescribeSeverityLevels needs both. */
  async checkConnection(): Promise<{ accountId: string; severityLevels: SeverityLevel[] }> {
    const severityLevels = await this.describeSeverityLevels();
    return { accountId: this.accountId, severityLevels };
  }

  async describeServices(serviceCodeList?: string[], language?: string): Promise<Service[]> {
    const out = await this.call("DescribeServices", () =>
      this.sdk.send(new DescribeServicesCommand({ ...(serviceCodeList?.length ? { serviceCodeList } : {}), language: language ?? this.language })),
    );
    return out.services ?? [];
  }

  async describeSeverityLevels(language?: string): Promise<SeverityLevel[]> {
    const out = await this.call("DescribeSeverityLevels", () => this.sdk.send(new DescribeSeverityLevelsCommand({ language: language ?? this.language })));
    return out.severityLevels ?? [];
  }

  // ------------------------------------------------------------------ cases

  async describeCases(input: DescribeCasesInput = {}): Promise<CaseDetails[]> {
    const { limit, ...rest } = input;
    const req: DescribeCasesCommandInput = { includeCommunications: true, ...rest };
    if (req.caseIdList && req.caseIdList.length > 100) {
      const out: CaseDetails[] = [];
      for (let i = 0; i < req.caseIdList.length; i += 100) out.push(...(await this.describeCases({ ...input, caseIdList: req.caseIdList.slice(i, i + 100) })));
      return out;
    }
    const caseId = req.caseIdList?.length === 1 ? req.caseIdList[0] : undefined;
    return this.call(
      "DescribeCases",
      async () => {
        const out: CaseDetails[] = [];
        for await (const page of paginateDescribeCases({ client: this.sdk, pageSize: 100 }, req)) {
          out.push(...(page.cases ?? []));
          if (limit !== undefined && out.length >= limit) return out.slice(0, limit);
        }
        return out;
      },
      caseId,
    );
  }

  async describeCase(caseId: string, includeCommunications = true): Promise<CaseDetails> {
    const list = await this.describeCases({ caseIdList: [caseId], includeResolvedCases: true, includeCommunications });
    const found = list.find((c) => c.caseId === caseId);
    if (!found) throw new CaseExchangeError("AWS_SUPPORT_CASE_NOT_FOUND", `AWS Support has no case ${caseId} in account ${this.accountId}`, { details: { caseId, accountId: this.accountId } });
    return found;
  }

  async describeCommunications(caseId: string, opts: { afterTime?: string; beforeTime?: string } = {}): Promise<Communication[]> {
    if (!caseId) throw inputInvalid("describeCommunications needs a caseId");
    return this.call(
      "DescribeCommunications",
      async () => {
        const out: Communication[] = [];
        for await (const page of paginateDescribeCommunications({ client: this.sdk, pageSize: 100 }, { caseId, ...opts })) out.push(...(page.communications ?? []));
        return out;
      },
      caseId,
    );
  }

  async downloadAttachment(attachmentId: string): Promise<{ fileName: string; data: Buffer }> {
    if (!attachmentId) throw inputInvalid("downloadAttachment needs an attachmentId");
    const out = await this.call("DescribeAttachment", () => this.sdk.send(new DescribeAttachmentCommand({ attachmentId })));
    const a = out.attachment ?? {};
    return { fileName: a.fileName ?? "attachment", data: Buffer.from(a.data ?? new Uint8Array()) };
  }

  async resolveCase(caseId: string): Promise<{ caseId: string; initialCaseStatus?: string; finalCaseStatus?: string }> {
    if (!caseId) throw inputInvalid("resolveCase needs a caseId");
    // resolving twice is harmless, so the standard retry applies
    const out = await this.call("ResolveCase", () => this.sdk.send(new ResolveCaseCommand({ caseId })), caseId);
    return { caseId, initialCaseStatus: out.initialCaseStatus, finalCaseStatus: out.finalCaseStatus };
  }

  // ------------------------------------------------------------------ writes

  private async uploadSets(sets: AttachmentFile[][], caseId?: string): Promise<string[]> {
    const ids: string[] = [];
    for (const set of sets) {
      // a lost answer here only leaves an unused set behind (it expires in an hour): safe to send again
      const out = await this.call(
        "AddAttachmentsToSet",
        () => this.sdk.send(new AddAttachmentsToSetCommand({ attachments: set.map((f) => ({ fileName: f.fileName, data: f.data })) })),
        caseId,
      );
      if (!out.attachmentSetId) throw new CaseExchangeError("AWS_SUPPORT_ERROR", "AddAttachmentsToSet returned no attachmentSetId", { details: { accountId: this.accountId, caseId } });
      ids.push(out.attachmentSetId);
    }
    return ids;
  }

  /**
   * CreateCase, never re-sent blindly: when the answer is lost (timeout, reset,
   * 5xx), the account's cases created since shortly before the first attempt
   * are searched for the subject and the body's `[cx:…]` reference; only when
   * that lookup succeeds and finds nothing is the create sent again (up to
   * maxAttempts). If the lookup itself fails, AWS_SUPPORT_CREATE_UNCERTAIN is
   * thrown and nothing is re-sent.
   */
  async createCase(input: CreateCaseInput, opts: { maxAttempts?: number } = {}): Promise<CreateCaseResult> {
    if (!input.subject) throw inputInvalid("createCase needs a subject", { accountId: this.accountId });
    if (!input.communicationBody) throw inputInvalid("createCase needs a communicationBody", { accountId: this.accountId });
    const sets = planAttachmentSets(input.attachments ?? [], { accountId: this.accountId });
    const marker = newMarkerId();
    const subject = this.subjectFor(input.subject);
    const started = Date.now();
    const attempts = opts.maxAttempts ?? 3;
    const setIds: string[] = [];
    let firstSetId: string | undefined;
    let caseId: string | undefined;
    let recovered = false;
    for (let attempt = 1; ; attempt++) {
      if (sets.length && !firstSetId) firstSetId = (await this.uploadSets(sets.slice(0, 1)))[0];
      try {
        const out = await this.writer.send(
          new CreateCaseCommand({
            subject,
            communicationBody: withMarker(input.communicationBody, marker),
            serviceCode: input.serviceCode || undefined,
            categoryCode: input.categoryCode || undefined,
            severityCode: input.severityCode || undefined,
            issueType: input.issueType || "technical",
            ccEmailAddresses: input.ccEmailAddresses?.length ? input.ccEmailAddresses : undefined,
            language: input.language || this.language,
            attachmentSetId: firstSetId,
          }),
        );
        caseId = out.caseId;
        break;
      } catch (err) {
        if (!mayHaveReachedAws(err) || isThrottling(err)) throw toAwsSupportError(err, { operation: "CreateCase", accountId: this.accountId });
        let found: CaseDetails | undefined;
        try {
          found = await this.findCreatedCase(subject, marker, started - this.skew);
        } catch (lookupErr) {
          const e = toAwsSupportError(lookupErr, { operation: "DescribeCases", accountId: this.accountId });
          throw new CaseExchangeError(
            "AWS_SUPPORT_CREATE_UNCERTAIN",
            `CreateCase "${subject}" in account ${this.accountId} got no answer (${toAwsSupportError(err, { operation: "CreateCase" }).details.awsError}) and the lookup failed (${e.code}); the case may exist, so it was not sent again (reference [cx:${marker}])`,
            { retryable: false, details: { accountId: this.accountId, subject, marker, lookupError: e.code } },
          );
        }
        if (found?.caseId) {
          caseId = found.caseId;
          recovered = true;
          break;
        }
        if (attempt >= attempts) throw toAwsSupportError(err, { operation: "CreateCase", accountId: this.accountId });
        // the set was attached if the create took effect; it did not, so the set is still usable
      }
    }
    if (!caseId) throw new CaseExchangeError("AWS_SUPPORT_ERROR", `CreateCase in account ${this.accountId} returned no caseId`, { details: { accountId: this.accountId } });
    if (firstSetId) setIds.push(firstSetId);
    // further sets go as follow-up communications
    const rest = sets.slice(1);
    for (let i = 0; i < rest.length; i++) {
      const r = await this.addCommunication({ caseId, communicationBody: continuationBody(i + 2, sets.length), attachments: rest[i] });
      setIds.push(...r.attachmentSetIds);
    }
    let displayId: string | undefined;
    try {
      displayId = (await this.describeCase(caseId, false)).displayId;
    } catch {
      /* the display id is a convenience */
    }
    return { caseId, displayId, subject, recovered, attachmentSetIds: setIds, marker };
  }

  private async findCreatedCase(subject: string, marker: string, afterMs: number): Promise<CaseDetails | undefined> {
    const cases = await this.describeCases({ afterTime: new Date(afterMs).toISOString(), includeResolvedCases: true, includeCommunications: true });
    for (const c of cases) {
      if (c.subject !== subject) continue;
      const recent = c.recentCommunications?.communications ?? [];
      if (recent.some((m) => markerOf(m.body) === marker)) return c;
      if (c.recentCommunications?.nextToken && c.caseId) {
        const all = await this.describeCommunications(c.caseId);
        if (all.some((m) => markerOf(m.body) === marker)) return c;
      }
    }
    return undefined;
  }

  /**
   * AddCommunicationToCase with attachments split into sets of three: the
   * first communication carries the body and the first set, each further set
   * a short continuation line. A lost answer is followed by a lookup of the
   * communication's `[cx:…]` reference before it is sent again.
   */
  async addCommunication(input: AddCommunicationInput, opts: { maxAttempts?: number } = {}): Promise<AddCommunicationResult> {
    if (!input.caseId) throw inputInvalid("addCommunication needs a caseId", { accountId: this.accountId });
    if (!input.communicationBody) throw inputInvalid("addCommunication needs a communicationBody", { accountId: this.accountId, caseId: input.caseId });
    const sets = planAttachmentSets(input.attachments ?? [], { caseId: input.caseId, accountId: this.accountId });
    const bodies = [input.communicationBody, ...sets.slice(1).map((_, i) => continuationBody(i + 2, sets.length))];
    const result: AddCommunicationResult = { caseId: input.caseId, communications: 0, attachmentSetIds: [], recovered: false, markers: [] };
    for (let i = 0; i < bodies.length; i++) {
      const setId = sets[i] ? (await this.uploadSets([sets[i]], input.caseId))[0] : undefined;
      const marker = newMarkerId();
      const recovered = await this.sendCommunicationOnce(input.caseId, withMarker(bodies[i], marker), marker, input.ccEmailAddresses, setId, opts.maxAttempts ?? 3);
      result.recovered ||= recovered;
      result.communications++;
      result.markers.push(marker);
      if (setId) result.attachmentSetIds.push(setId);
    }
    return result;
  }

  private async sendCommunicationOnce(caseId: string, body: string, marker: string, cc: string[] | undefined, setId: string | undefined, attempts: number): Promise<boolean> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writer.send(new AddCommunicationToCaseCommand({ caseId, communicationBody: body, ccEmailAddresses: cc?.length ? cc : undefined, attachmentSetId: setId }));
        return false;
      } catch (err) {
        if (!mayHaveReachedAws(err) || isThrottling(err)) throw toAwsSupportError(err, { operation: "AddCommunicationToCase", accountId: this.accountId, caseId });
        let sent = false;
        try {
          const comms = await this.describeCommunications(caseId, { afterTime: new Date(started - this.skew).toISOString() });
          sent = comms.some((m) => markerOf(m.body) === marker);
        } catch (lookupErr) {
          const e = toAwsSupportError(lookupErr, { operation: "DescribeCommunications", accountId: this.accountId, caseId });
          throw new CaseExchangeError(
            "AWS_SUPPORT_SEND_UNCERTAIN",
            `AddCommunicationToCase for case ${caseId} in account ${this.accountId} got no answer and the lookup failed (${e.code}); it was not sent again (reference [cx:${marker}])`,
            { details: { accountId: this.accountId, caseId, marker, lookupError: e.code } },
          );
        }
        if (sent) return true;
        if (attempt >= attempts) throw toAwsSupportError(err, { operation: "AddCommunicationToCase", accountId: this.accountId, caseId });
      }
    }
  }

  // ------------------------------------------------------------------ watch API

  async describeOpenCases(): Promise<WatchCase[]> {
    return (await this.describeCases({ includeResolvedCases: false, includeCommunications: true })) as WatchCase[];
  }

  async describeCasesById(caseIds: string[]): Promise<WatchCase[]> {
    if (!caseIds.length) return [];
    try {
      return (await this.describeCases({ caseIdList: caseIds, includeResolvedCases: true, includeCommunications: true })) as WatchCase[];
    } catch (err) {
      // one unknown id fails the whole list: fall back to one by one, skipping the unknown
      if ((err as CaseExchangeError).code !== "AWS_SUPPORT_CASE_NOT_FOUND" || caseIds.length === 1) {
        if ((err as CaseExchangeError).code === "AWS_SUPPORT_CASE_NOT_FOUND") return [];
        throw err;
      }
      const out: WatchCase[] = [];
      for (const id of caseIds) out.push(...(await this.describeCasesById([id])));
      return out;
    }
  }

  async describeCommunicationsSince(caseId: string, afterTime: string | undefined): Promise<WatchCommunication[]> {
    return (await this.describeCommunications(caseId, afterTime ? { afterTime } : {})) as WatchCommunication[];
  }

  destroy(): void {
    this.sdk.destroy();
    this.writer.destroy();
  }
}

function continuationBody(setNumber: number, total: number): string {
  return `Attachments, part ${setNumber} of ${total} (the Support API takes three files per communication).`;
}

/** The SDK's own retry strategy, used for throttling answers only. */
function throttlingOnly(base: Promise<RetryStrategyV2 | unknown>): RetryStrategyV2 {
  const strategy = base as Promise<RetryStrategyV2>;
  return {
    acquireInitialRetryToken: async (scope: string) => (await strategy).acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token: RetryToken, info: RetryErrorInfo) => {
      if (info.errorType !== "THROTTLING") throw info.error ?? new Error("not retried");
      return (await strategy).refreshRetryTokenForRetry(token, info);
    },
    recordSuccess: (token: RetryToken) => {
      void strategy.then((s) => s.recordSuccess(token));
    },
  };
}

function buildCredentials(options: AwsSupportClientOptions, region: string): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  const src = options.credentials;
  let base: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  if (src.mode === "keys") {
    if (!src.accessKeyId || !src.secretAccessKey) throw inputInvalid("AWS access key id and secret access key are both needed", { accountId: options.accountId });
    registerSecret(src.secretAccessKey);
    registerSecret(src.sessionToken);
    base = { accessKeyId: src.accessKeyId, secretAccessKey: src.secretAccessKey, ...(src.sessionToken ? { sessionToken: src.sessionToken } : {}) };
  } else {
    base = fromNodeProviderChain();
  }
  if (!options.roleArn) return base;
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: options.roleArn,
      RoleSessionName: options.roleSessionName || "case-exchange-node-red",
      ...(options.externalId ? { ExternalId: options.externalId } : {}),
      DurationSeconds: 3600,
    },
    clientConfig: { region, ...(options.stsEndpoint ? { endpoint: options.stsEndpoint } : {}) },
  });
}

export function createAwsSupportClient(options: AwsSupportClientOptions): AwsSupportAccountClient {
  return new AwsSupportAccountClient(options);
}

export { isOwnBody };
export type { Json };
