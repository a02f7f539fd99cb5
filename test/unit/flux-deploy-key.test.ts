import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDeployKey, publicKeyOf } from '../../src/integrations/reconciler/flux/deploy-key.js';

/** Reads back the seed from the OpenSSH private key, the way ssh does. */
function seedOf(pem: string): Buffer {
  const raw = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  let at = 'openssh-key-v1\0'.length;
  const next = () => {
    const len = raw.readUInt32BE(at);
    const v = raw.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return v;
  };
  next(); // cipher
  next(); // kdf
  next(); // kdf options
  at += 4;
  next(); // public blob
  const section = next();
  expect(section.readUInt32BE(0)).toBe(section.readUInt32BE(4)); // check ints match
  let p = 8;
  const read = () => {
    const len = section.readUInt32BE(p);
    const v = section.subarray(p + 4, p + 4 + len);
    p += 4 + len;
    return v;
  };
  expect(read().toString()).toBe('ssh-ed25519');
  read(); // public
  return read().subarray(0, 32);
}

describe('ed25519 deploy key', () => {
  it('is an OpenSSH private key whose public half matches and signs verifiably', () => {
    const key = generateDeployKey('gitops-test');
    expect(key.privateKey).toMatch(
      /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END OPENSSH PRIVATE KEY-----\n$/,
    );
    expect(key.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ gitops-test$/);
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(publicKeyOf(key.privateKey, 'gitops-test')).toBe(key.publicKey);

    const seed = seedOf(key.privateKey);
    const pub = Buffer.from(key.publicKey.split(' ')[1]!, 'base64').subarray(-32);
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: pub.toString('base64url') },
      format: 'jwk',
    });
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') },
      format: 'jwk',
    });
    const message = Buffer.from('fleet');
    expect(verify(null, message, publicKey, sign(null, message, privateKey))).toBe(true);
  });

  it('makes a different key each time', () => {
    expect(generateDeployKey().publicKey).not.toBe(generateDeployKey().publicKey);
  });
});
