import { CaseExchangeError } from "../errors";
import { registerSecret } from "../redact";
import { createHttpTransport, type HttpTransport } from "../http/transport";
import { mapSnowError } from "./errors";

/**
 * How the client authenticates: HTTP basic auth, or OAuth 2.0 against the
 * instance's /oauth_token.do with the password grant (client id and secret of
 * an Application Registry entry, plus the integration user). The access
 * token is refreshed with the refresh_token grant before it expires and after
 * a 401; when the refresh token is refused the password grant runs again.
 * One token is shared by every request of the client (and so by every node
 * using the same snow-instance).
 */
export interface BasicAuth {
  type: "basic";
  user: string;
  password: string;
}

export interface OAuthAuth {
  type: "oauth";
  user: string;
  password: string;
  clientId: string;
  clientSecret: string;
}

export type SnowAuth = BasicAuth | OAuthAuth;

export interface Authenticator {
  /** Authorization header value for the next request. */
  header(signal?: AbortSignal): Promise<string>;
  /** Called after a 401: the next header() gets a new token. Returns false when retrying cannot help (basic auth). */
  invalidate(): boolean;
  /** how many token requests were made (grant or refresh), for tests and the bench */
  readonly tokenRequests: number;
}

export function basicAuthenticator(auth: BasicAuth): Authenticator {
  const value = "Basic " + Buffer.from(`${auth.user}:${auth.password}`, "utf8").toString("base64");
  registerSecret(auth.password);
  registerSecret(value.slice(6));
  return {
    header: async () => value,
    invalidate: () => false,
    tokenRequests: 0,
  };
}

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number | string;
  token_type?: string;
}

export interface OAuthOptions {
  baseURL: string;
  timeoutMs?: number;
  ca?: string;
  /** refresh this long before the token expires (default 60 s) */
  refreshMarginMs?: number;
  now?: () => number;
  transport?: HttpTransport;
}

export class OAuthAuthenticator implements Authenticator {
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private expiresAt = 0;
  private pending: Promise<string> | undefined;
  private readonly http: HttpTransport;
  private readonly now: () => number;
  private readonly margin: number;
  tokenRequests = 0;

  constructor(
    private readonly auth: OAuthAuth,
    options: OAuthOptions,
  ) {
    registerSecret(auth.password);
    registerSecret(auth.clientSecret);
    this.now = options.now ?? Date.now;
    this.margin = options.refreshMarginMs ?? 60_000;
    this.http =
      options.transport ??
      createHttpTransport({
        system: "ServiceNow",
        codePrefix: "SNOW",
        baseURL: options.baseURL,
        timeoutMs: options.timeoutMs,
        ca: options.ca,
        mapError: mapSnowError,
      });
  }

  async header(signal?: AbortSignal): Promise<string> {
    if (this.accessToken && this.now() < this.expiresAt - this.margin) return `Bearer ${this.accessToken}`;
    if (!this.pending) {
      this.pending = this.obtain(signal).finally(() => {
        this.pending = undefined;
      });
    }
    return `Bearer ${await this.pending}`;
  }

  invalidate(): boolean {
    this.accessToken = undefined;
    this.expiresAt = 0;
    return true;
  }

  private async obtain(signal?: AbortSignal): Promise<string> {
    if (this.refreshToken) {
      try {
        return await this.request({ grant_type: "refresh_token", refresh_token: this.refreshToken }, signal);
      } catch (err) {
        // a refused refresh token (expired, revoked) falls back to the password grant
        if (!(err instanceof CaseExchangeError) || !["SNOW_UNAUTHORIZED", "SNOW_BAD_REQUEST"].includes(err.code)) throw err;
        this.refreshToken = undefined;
      }
    }
    return this.request({ grant_type: "password", username: this.auth.user, password: this.auth.password }, signal);
  }

  private async request(grant: Record<string, string>, signal?: AbortSignal): Promise<string> {
    this.tokenRequests++;
    const body = new URLSearchParams({ ...grant, client_id: this.auth.clientId, client_secret: this.auth.clientSecret }).toString();
    let res;
    try {
      res = await this.http.request<TokenAnswer>({
        method: "POST",
        url: "/oauth_token.do",
        data: body,
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        retry: true,
        signal,
        subject: `the OAuth token request (${grant.grant_type} grant)`,
      });
    } catch (err) {
      if (err instanceof CaseExchangeError && (err.status === 400 || err.status === 401)) {
        // the token endpoint answers 401 {"error":"server_error","error_description":"access_denied"} to bad credentials
        throw new CaseExchangeError("SNOW_UNAUTHORIZED", `${err.message} — check the OAuth client id/secret and the user's credentials`, { status: err.status, details: err.details });
      }
      throw err;
    }
    const data = res.data;
    if (!data || typeof data !== "object" || typeof data.access_token !== "string") {
      throw new CaseExchangeError("SNOW_BAD_RESPONSE", "ServiceNow's /oauth_token.do answered without an access_token (is OAuth enabled and the client registered?)");
    }
    this.accessToken = data.access_token;
    registerSecret(data.access_token);
    if (typeof data.refresh_token === "string" && data.refresh_token) {
      this.refreshToken = data.refresh_token;
      registerSecret(data.refresh_token);
    }
    const seconds = Number(data.expires_in ?? 1800);
    this.expiresAt = this.now() + (Number.isFinite(seconds) ? seconds : 1800) * 1000;
    return this.accessToken;
  }
}

export function createAuthenticator(auth: SnowAuth, options: OAuthOptions): Authenticator {
  return auth.type === "oauth" ? new OAuthAuthenticator(auth, options) : basicAuthenticator(auth);
}
