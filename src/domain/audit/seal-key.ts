import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/** The platform's Ed25519 sealing key: signs the daily seals of the audit chains. */
export interface SealKey {
  /** `ed25519:` + the first 32 hex digits of the SHA-256 of the public key (SPKI DER). */
  readonly keyId: string;
  readonly publicKeyPem: string;
  /** Ed25519 signature of the UTF-8 bytes of `payload`, base64. */
  sign(payload: string): string;
}

/** The key from a PEM PKCS#8 private key; refuses anything but Ed25519. */
export function sealKeyFromPem(pem: string): SealKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error("the seal key is not a PEM PKCS#8 private key");
  }
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new Error(`the seal key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  return {
    keyId: keyIdOf(publicKeyPem),
    publicKeyPem,
    sign: (payload) => sign(null, Buffer.from(payload, "utf8"), privateKey).toString("base64"),
  };
}

/** An Ed25519 public key (PEM SPKI), written back in its canonical PEM form; refuses anything else. */
export function publicSealKeyFromPem(pem: string): string {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error("not a PEM public key");
  }
  if (key.asymmetricKeyType !== "ed25519")
    throw new Error(`the key must be Ed25519, not ${key.asymmetricKeyType}`);
  return key.export({ type: "spki", format: "pem" }).toString();
}

/** The key id of a public key (PEM SPKI). */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return `ed25519:${createHash("sha256").update(der).digest("hex").slice(0, 32)}`;
}

/** True when `signature` (base64) is the Ed25519 signature of `payload` by this public key. */
export function verifySealSignature(publicKeyPem: string, payload: string, signature: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== "ed25519") return false;
    return verify(null, Buffer.from(payload, "utf8"), key, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}
