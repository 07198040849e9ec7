import should from "should";
import { OAuthAuthenticator } from "../../../nodes/lib/servicenow/auth";
import type { HttpRequest, HttpTransport } from "../../../nodes/lib/http/transport";

/** A token endpoint stand-in that records the grants asked for. */
function tokenEndpoint(grants: string[]): HttpTransport {
  let n = 0;
  return {
    axios: undefined as never,
    async request<T>(req: HttpRequest) {
      const form = new URLSearchParams(String(req.data));
      grants.push(form.get("grant_type")!);
      n++;
      return { status: 200, headers: {}, data: { access_token: `access-${n}`, refresh_token: `refresh-${n}`, expires_in: 1800, token_type: "Bearer" } as T };
    },
  };
}

describe("servicenow OAuth token handling", () => {
  const auth = { type: "oauth" as const, user: "integration", password: "integration-pass", clientId: "case-exchange", clientSecret: "oauth-secret" };

  it("uses the password grant once and shares the token between concurrent requests", async () => {
    const grants: string[] = [];
    const a = new OAuthAuthenticator(auth, { baseURL: "http://x", transport: tokenEndpoint(grants), now: () => 0 });
    const headers = await Promise.all([a.header(), a.header(), a.header()]);
    should(new Set(headers).size).equal(1);
    should(grants).eql(["password"]);
  });

  it("refreshes with the refresh token a minute before the access token expires", async () => {
    const grants: string[] = [];
    let now = 0;
    const a = new OAuthAuthenticator(auth, { baseURL: "http://x", transport: tokenEndpoint(grants), now: () => now });
    should(await a.header()).equal("Bearer access-1");
    now = (1800 - 61) * 1000;
    should(await a.header()).equal("Bearer access-1");
    now = (1800 - 59) * 1000;
    should(await a.header()).equal("Bearer access-2");
    should(grants).eql(["password", "refresh_token"]);
  });

  it("gets a new token after a 401 (invalidate)", async () => {
    const grants: string[] = [];
    const a = new OAuthAuthenticator(auth, { baseURL: "http://x", transport: tokenEndpoint(grants), now: () => 0 });
    await a.header();
    should(a.invalidate()).be.true();
    should(await a.header()).equal("Bearer access-2");
    should(grants).eql(["password", "refresh_token"]);
  });
});
