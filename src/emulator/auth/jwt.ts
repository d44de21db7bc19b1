import { constants, createHash, verify, X509Certificate } from 'node:crypto';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned (alg "none") JWT: MSAL reads id token claims but does not check their signature. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(claims)}.`;
}

/** MSAL builds the account's home id from this: base64url of {"uid","utid"}. */
export function clientInfo(userId: string, tenantId: string): string {
  return b64url({ uid: userId, utid: tenantId });
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function decodeJwt(jwt: string): DecodedJwt | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')),
      payload: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')),
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Picks the registered certificate named by the JWT's x5t#S256 (or SHA-1 x5t) thumbprint and
 * checks the signature with it. RS256 and PS256 (what MSAL signs with) and ES256 are accepted.
 */
export function verifyWithCertificates(jwt: DecodedJwt, certificatePems: readonly string[]): boolean {
  const cert = certificatePems
    .map((pem) => new X509Certificate(pem))
    .find((c) => thumbprintMatches(jwt.header, c));
  if (!cert) return false;
  const key = cert.publicKey;
  const data = Buffer.from(jwt.signingInput);
  switch (jwt.header.alg) {
    case 'RS256':
      return verify('sha256', data, key, jwt.signature);
    case 'PS256':
      return verify(
        'sha256',
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        jwt.signature,
      );
    case 'ES256':
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    default:
      return false;
  }
}

function thumbprintMatches(header: Record<string, unknown>, cert: X509Certificate): boolean {
  const sha256 = createHash('sha256').update(cert.raw).digest('base64url');
  const sha1 = createHash('sha1').update(cert.raw).digest('base64url');
  return header['x5t#S256'] === sha256 || header.x5t === sha1;
}
