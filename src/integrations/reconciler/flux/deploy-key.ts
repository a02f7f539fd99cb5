/**
 * An ed25519 deploy key for Flux's read access to the fleet repo, made with node:crypto and
 * written in OpenSSH's own formats (what Flux's `identity` / `identity.pub` Secret keys hold and
 * what Git hosts accept). The private half is only ever placed in the Secret; callers show the
 * public half and its fingerprint.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';

export interface DeployKey {
  /** "-----BEGIN OPENSSH PRIVATE KEY-----..." */
  privateKey: string;
  /** "ssh-ed25519 AAAA... comment" */
  publicKey: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  fingerprint: string;
}

export function generateDeployKey(comment = 'gitops-flux'): DeployKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  if (pub.length !== 32 || seed.length !== 32) throw new Error('unexpected ed25519 key size');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  return {
    privateKey: opensshPrivateKey(publicBlob, pub, seed, comment),
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
    fingerprint: `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`,
  };
}

/** The public key line for an OpenSSH ed25519 private key, or undefined if it is not one. */
export function publicKeyOf(privateKeyPem: string, comment = 'gitops-flux'): string | undefined {
  const body = privateKeyPem.replace(/-----(BEGIN|END) OPENSSH PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const raw = Buffer.from(body, 'base64');
  const magic = Buffer.from('openssh-key-v1\0');
  if (!raw.subarray(0, magic.length).equals(magic)) return undefined;
  let at = magic.length;
  const next = (): Buffer => {
    const len = raw.readUInt32BE(at);
    const value = raw.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return value;
  };
  next(); // cipher
  next(); // kdf
  next(); // kdf options
  at += 4; // number of keys
  const publicBlob = next();
  if (!publicBlob.includes(Buffer.from('ssh-ed25519'))) return undefined;
  return `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`;
}

/**
 * PROTOCOL.key: "openssh-key-v1\0", cipher "none", kdf "none", empty kdf options, one key; then
 * the public blob and an unencrypted private section padded to the cipher block size (8).
 */
function opensshPrivateKey(publicBlob: Buffer, pub: Buffer, seed: Buffer, comment: string): string {
  const check = randomBytes(4);
  const privateParts = [
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ];
  let section = Buffer.concat(privateParts);
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const blob = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(Buffer.alloc(0)),
    uint32(1),
    sshString(publicBlob),
    sshString(section),
  ]);
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([uint32(data.length), data]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
