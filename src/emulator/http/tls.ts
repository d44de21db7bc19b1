import { createPrivateKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import './reflect-metadata-shim.js';
import * as x509 from '@peculiar/x509';

/** PEM material for the emulator's HTTPS listener; clients trust `caPem` explicitly. */
export interface EmulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Path of ca.pem when the material lives on disk (for NODE_EXTRA_CA_CERTS or a CLI flag). */
  caFile?: string;
}

export const SERVER_NAMES = { ips: ['127.0.0.1', '::1'], dns: ['localhost'] } as const;

const DAY_MS = 86_400_000;
const SERVER_LIFETIME_DAYS = 365;
const CA_LIFETIME_DAYS = 3650;
/** Regenerate before a client could see an expired certificate in a long soak run. */
const RENEW_MARGIN_DAYS = 7;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * Reuses the CA and server certificate in `dir` while they are valid, otherwise makes new ones.
 * The CA's private key is never stored: it signs the one server certificate and is dropped, so the
 * CA a developer trusts cannot vouch for anything else. Renewal therefore replaces the CA too.
 */
export async function loadOrCreateTls(dir?: string): Promise<EmulatorTls> {
  if (!dir) return createTls();
  const caFile = join(dir, 'ca.pem');
  const existing = await readExisting(dir);
  if (existing && isUsable(existing)) return { ...existing, caFile };
  const fresh = await createTls();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomic(join(dir, 'server-key.pem'), fresh.keyPem, 0o600);
  await writeAtomic(join(dir, 'server.pem'), fresh.certPem, 0o644);
  await writeAtomic(caFile, fresh.caPem, 0o644);
  return { ...fresh, caFile };
}

export async function createTls(now = new Date()): Promise<EmulatorTls> {
  const crypto = webcrypto;
  const caKeys = (await crypto.subtle.generateKey(EC, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: 'CN=deltafs emulator local CA',
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + CA_LIFETIME_DAYS * DAY_MS),
      signingAlgorithm: SIGNING,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const serverKeys = (await crypto.subtle.generateKey(EC, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: 'CN=127.0.0.1',
      issuer: ca.subject,
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + SERVER_LIFETIME_DAYS * DAY_MS),
      signingAlgorithm: SIGNING,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...SERVER_NAMES.ips.map((value) => ({ type: 'ip' as const, value })),
          ...SERVER_NAMES.dns.map((value) => ({ type: 'dns' as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caPem: ca.toString('pem'),
    certPem: cert.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

async function readExisting(dir: string): Promise<EmulatorTls | undefined> {
  try {
    const [caPem, certPem, keyPem] = await Promise.all(
      ['ca.pem', 'server.pem', 'server-key.pem'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    return { caPem, certPem, keyPem };
  } catch {
    return undefined;
  }
}

/** Any doubt (bad PEM, wrong names, near expiry, key mismatch) means regenerate. */
function isUsable({ caPem, certPem, keyPem }: EmulatorTls, now = Date.now()): boolean {
  try {
    const ca = new NodeX509(caPem);
    const cert = new NodeX509(certPem);
    const margin = now + RENEW_MARGIN_DAYS * DAY_MS;
    if (Date.parse(ca.validTo) < margin || Date.parse(cert.validTo) < margin) return false;
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    return (
      SERVER_NAMES.ips.every((ip) => cert.checkIP(ip)) && SERVER_NAMES.dns.every((h) => cert.checkHost(h))
    );
  } catch {
    return false;
  }
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** Positive 16-byte serial: a leading 0x01..0x7f byte keeps the DER integer positive. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}
