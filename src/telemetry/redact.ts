/**
 * Delta tokens, skip tokens and pre-authenticated download/upload URLs are credentials: anyone
 * holding one can read a library's changes or a file's bytes. Nothing that reaches a log line
 * or a span attribute may carry them, so every URL and free text goes through here first.
 */

export const REDACTED = 'REDACTED';

/** Query parameters that select or shape a response and carry no secret. */
const SAFE_QUERY = new Set([
  '$select',
  '$top',
  '$expand',
  '$orderby',
  '$filter',
  '$count',
  '$format',
  'api-version',
  '@microsoft.graph.conflictbehavior',
]);

/** Graph API paths start with a version; anything else (download, upload, token URLs) is opaque. */
const GRAPH_PATH = /^\/(v1\.0|beta)(\/|$)/;

/**
 * Graph API URLs keep their path and safe query values; other URLs keep origin and first path
 * segment only, because download and upload URLs put their signature in the path or the query.
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : new URL(url.href);
  } catch {
    return '[unparsable url]';
  }
  const graph = GRAPH_PATH.test(u.pathname);
  if (!graph) {
    const first = u.pathname.split('/')[1];
    u.pathname = first ? `/${first}/${REDACTED}` : '/';
  }
  // Raw pairs, so kept values read exactly as sent.
  const kept = u.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      const safe = graph && SAFE_QUERY.has(safeDecode(rawKey).toLowerCase());
      return safe ? pair : `${rawKey}=${REDACTED}`;
    });
  return `${u.protocol}//${u.host}${u.pathname}${kept.length > 0 ? `?${kept.join('&')}` : ''}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const URL_IN_TEXT = /https?:\/\/[^\s"'<>`]+/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** key=value and "key":"value" forms of credential-bearing fields. */
const SECRET_FIELD =
  /(["']?)(access_token|refresh_token|id_token|client_secret|client_assertion|device_code|token|tempauth|\$skiptoken|password|secret)\1(\s*[:=]\s*)(["']?)[^"'&\s,}]+\4/gi;
/** A compact JWS/JWT (three base64url parts, the first one a JSON header). */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Scrubs URLs, bearer tokens, JWTs and credential fields out of free text (messages, error strings). */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (m) => redactUrl(m))
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(
      SECRET_FIELD,
      (_m, q: string, key: string, sep: string, vq: string) => `${q}${key}${q}${sep}${vq}${REDACTED}${vq}`,
    );
}
