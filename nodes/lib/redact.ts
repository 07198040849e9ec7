/**
 * Removes secrets from text before it reaches a log, a status or an error:
 * every registered secret value is replaced, and so are Authorization-like
 * header values and credential-looking query parameters.
 */
const registered = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) registered.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join("***");
  out = out.replace(/(authorization|x-api-key|x-amz-security-token)(["']?\s*[:=]\s*["']?)[^"'\s,}]+/gi, "$1$2***");
  out = out.replace(/([?&](?:password|client_secret|access_token|refresh_token|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=)[^&\s"']+/gi, "$1***");
  return out;
}
