import should from "should";
import { CreateCaseCommand, DescribeCasesCommand, DescribeServicesCommand, DescribeSeverityLevelsCommand, ResolveCaseCommand } from "@aws-sdk/client-support";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { SupportClient } from "@aws-sdk/client-support";
import type { AwsSupportSandbox } from "../../../sandbox/aws-support";
import { ACCOUNT_A, ACCOUNT_B, NEW_CASE, clientFor, rejectionOf, startFrozen } from "./support-fixture";

const ROLE_IN_B = "arn:aws:iam::222222222222:role/CaseExchangeSupport";

describe("AWS Support sandbox: accounts, credentials and plans", function () {
  let sandbox: AwsSupportSandbox;
  const clients: SupportClient[] = [];
  const track = (c: SupportClient) => (clients.push(c), c);

  beforeEach(async function () {
    sandbox = await startFrozen({
      accounts: [
        ACCOUNT_A,
        ACCOUNT_B,
        { accountId: "333333333333", accessKeyId: "AKIASIM333333333333", secretAccessKey: "sim-secret-3", supportPlan: "developer" },
        { accountId: "444444444444", accessKeyId: "AKIASIM444444444444", secretAccessKey: "sim-secret-4", supportPlan: "enterprise", userName: "ops-bot", email: "ops@example.com" },
      ],
      roles: [{ roleArn: ROLE_IN_B, accountId: "222222222222" }],
    });
  });

  afterEach(async function () {
    for (const c of clients.splice(0)) c.destroy();
    await sandbox.close();
  });

  it("keeps two accounts' cases apart, taking the account from the SigV4 access key", async function () {
    const a = track(clientFor(sandbox, ACCOUNT_A));
    const b = track(clientFor(sandbox, ACCOUNT_B));
    const { caseId: inA } = await a.send(new CreateCaseCommand({ ...NEW_CASE, subject: "in A" }));
    const { caseId: inB } = await b.send(new CreateCaseCommand({ ...NEW_CASE, subject: "in B" }));
    should(inA).startWith("case-111111111111-");
    should(inB).startWith("case-222222222222-");
    should((await a.send(new DescribeCasesCommand({}))).cases!.map((c) => c.caseId)).eql([inA]);
    should((await b.send(new DescribeCasesCommand({}))).cases!.map((c) => c.caseId)).eql([inB]);
    const cross = await rejectionOf(b.send(new ResolveCaseCommand({ caseId: inA })));
    should(cross.name).equal("CaseIdNotFound");
    should(sandbox.inspect.cases("111111111111").map((c) => c.subject)).eql(["in A"]);
    should(sandbox.inspect.cases("222222222222").map((c) => c.subject)).eql(["in B"]);
  });

  it("answers SubscriptionRequiredException (400, AWS's words) for an account without an API-eligible plan", async function () {
    const dev = track(clientFor(sandbox, { accessKeyId: "AKIASIM333333333333", secretAccessKey: "sim-secret-3" }));
    const err = await rejectionOf(dev.send(new DescribeServicesCommand({})));
    should(err.name).equal("SubscriptionRequiredException");
    should(err.message).equal("AWS Premium Support Subscription is required to use this service.");
    should(err.$metadata!.httpStatusCode).equal(400);
    sandbox.setSupportPlan("333333333333", "business");
    should((await dev.send(new DescribeServicesCommand({}))).services!.length).be.above(0);
    sandbox.setSupportPlan("333333333333", "basic");
    should((await rejectionOf(dev.send(new DescribeSeverityLevelsCommand({})))).name).equal("SubscriptionRequiredException");
  });

  it("gives an enterprise account the critical severity and shows its IAM user in submittedBy", async function () {
    const ent = track(clientFor(sandbox, { accessKeyId: "AKIASIM444444444444", secretAccessKey: "sim-secret-4" }));
    const { severityLevels } = await ent.send(new DescribeSeverityLevelsCommand({}));
    should(severityLevels!.map((s) => s.code)).eql(["low", "normal", "high", "urgent", "critical"]);
    await ent.send(new CreateCaseCommand({ ...NEW_CASE, severityCode: "critical" }));
    const [c] = sandbox.inspect.cases("444444444444");
    should(c.severityCode).equal("critical");
    should(c.submittedBy).equal("ops-bot (IAM User) <ops@example.com>");
  });

  it("answers UnrecognizedClientException for an unknown access key", async function () {
    const stranger = track(clientFor(sandbox, { accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "whatever" }));
    const err = await rejectionOf(stranger.send(new DescribeServicesCommand({})));
    should(err.name).equal("UnrecognizedClientException");
    should(err.message).equal("The security token included in the request is invalid.");
    should(err.$metadata!.httpStatusCode).equal(400);
  });

  it("recomputes the signature: a known key signed with the wrong secret is refused", async function () {
    const wrong = track(clientFor(sandbox, { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: "not-the-secret" }, { maxAttempts: 1 }));
    const err = await rejectionOf(wrong.send(new DescribeServicesCommand({})));
    should(err.name).equal("InvalidSignatureException");
    should(sandbox.inspect.calls.map((c) => c.status)).eql([400]);
  });

  it("answers MissingAuthenticationTokenException for an unsigned request", async function () {
    const res = await fetch(sandbox.endpoint + "/", {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSSupport_20130415.DescribeServices" },
      body: "{}",
    });
    should(res.status).equal(400);
    should(await res.json()).containEql({ __type: "MissingAuthenticationTokenException" });
  });

  it("issues temporary credentials through STS AssumeRole that act in the role's account", async function () {
    const viaRole = track(
      new SupportClient({
        region: "us-east-1",
        endpoint: sandbox.endpoint,
        credentials: fromTemporaryCredentials({
          params: { RoleArn: ROLE_IN_B, RoleSessionName: "node-red" },
          masterCredentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
          clientConfig: { region: "us-east-1", endpoint: sandbox.stsEndpoint },
        }),
      }),
    );
    const { caseId } = await viaRole.send(new CreateCaseCommand(NEW_CASE));
    should(caseId).startWith("case-222222222222-");
    const [c] = sandbox.inspect.cases("222222222222");
    should(c.submittedBy).equal("CaseExchangeSupport (Role) <aws-222222222222@example.com>");
    should(sandbox.inspect.calls.map((x) => [x.operation, x.accountId, x.status])).eql([
      ["sts:AssumeRole", "111111111111", 200],
      ["CreateCase", "222222222222", 200],
    ]);
    should(sandbox.inspect.cases("111111111111")).have.length(0);
  });

  it("refuses AssumeRole on a role that is not configured (AccessDenied from STS)", async function () {
    const viaRole = track(
      new SupportClient({
        region: "us-east-1",
        endpoint: sandbox.endpoint,
        maxAttempts: 1,
        credentials: fromTemporaryCredentials({
          params: { RoleArn: "arn:aws:iam::999999999999:role/Nope", RoleSessionName: "node-red" },
          masterCredentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
          clientConfig: { region: "us-east-1", endpoint: sandbox.stsEndpoint, maxAttempts: 1 },
        }),
      }),
    );
    const err = await rejectionOf(viaRole.send(new DescribeServicesCommand({})));
    should(err.name).equal("AccessDenied");
    should(err.message).match(/not authorized to perform: sts:AssumeRole/);
    should(sandbox.inspect.calls.find((c) => c.operation === "sts:AssumeRole")).containEql({ status: 403, error: "AccessDenied" });
  });

  it("refuses an unsigned STS request with STS's XML error", async function () {
    const body = new URLSearchParams({ Action: "AssumeRole", Version: "2011-06-15", RoleArn: ROLE_IN_B, RoleSessionName: "x" }).toString();
    const unsigned = await fetch(sandbox.stsEndpoint, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
    should(unsigned.status).equal(403);
    should(await unsigned.text()).match(/<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
  });

  it("refuses a temporary key presented without its session token", async function () {
    const creds = await fromTemporaryCredentials({
      params: { RoleArn: ROLE_IN_B, RoleSessionName: "node-red" },
      masterCredentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
      clientConfig: { region: "us-east-1", endpoint: sandbox.stsEndpoint },
    })();
    should(creds.accessKeyId).match(/^ASIA[A-Z2-7]{16}$/);
    should(creds.sessionToken).be.a.String();
    should(creds.expiration!.getTime()).be.above(Date.now());
    const withToken = track(clientFor(sandbox, creds));
    const withoutToken = track(clientFor(sandbox, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }));
    should((await withToken.send(new DescribeCasesCommand({}))).cases).eql([]);
    should((await rejectionOf(withoutToken.send(new DescribeCasesCommand({})))).name).equal("UnrecognizedClientException");
  });
});
