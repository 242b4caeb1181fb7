/**
 * RFC 3161 time-stamp requests and responses, in just enough DER (X.690) to ask a timestamp authority
 * for a token over a SHA-256 digest and to check that the answer is for that digest and that nonce.
 * The token's CMS signature is checked by whoever trusts the TSA (`openssl ts -verify`, see the README).
 */

const SHA256_OID = "2.16.840.1.101.3.4.2.1";
const SIGNED_DATA_OID = "1.2.840.113549.1.7.2";
const TST_INFO_OID = "1.2.840.113549.1.9.16.1.4";

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** A non-negative INTEGER from its big-endian magnitude. */
function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return tlv(TAG.integer, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function encodeOid(oid: string): Buffer {
  const parts = oid.split(".").map(Number);
  const bytes: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const group: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) group.unshift(0x80 | (n & 0x7f));
    bytes.push(...group);
  }
  return tlv(TAG.oid, Buffer.from(bytes));
}

/** TimeStampReq { version 1, messageImprint { sha256, digest }, nonce, certReq TRUE } (RFC 3161 §2.4.1). */
export function buildTimeStampRequest(sha256Digest: Buffer, nonce: Buffer): Buffer {
  if (sha256Digest.length !== 32) throw new Error("a SHA-256 digest is 32 bytes");
  return tlv(
    TAG.sequence,
    Buffer.concat([
      unsignedInteger(Buffer.from([1])),
      tlv(
        TAG.sequence,
        Buffer.concat([
          tlv(TAG.sequence, Buffer.concat([encodeOid(SHA256_OID), tlv(TAG.null, Buffer.alloc(0))])),
          tlv(TAG.octetString, sha256Digest),
        ]),
      ),
      unsignedInteger(nonce),
      tlv(TAG.boolean, Buffer.from([0xff])),
    ]),
  );
}

interface Node {
  tag: number;
  /** The whole element, header included. */
  der: Buffer;
  content: Buffer;
}

/** One DER element at `offset` (definite lengths only, as DER requires). */
function readNode(buffer: Buffer, offset = 0): Node {
  if (offset + 2 > buffer.length) throw new Error("truncated DER");
  const tag = buffer[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error("DER: multi-byte tags are not expected here");
  let length = buffer[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("DER: unsupported length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new Error("truncated DER");
  return { tag, der: buffer.subarray(offset, end), content: buffer.subarray(offset + header, end) };
}

function children(node: Node): Node[] {
  const list: Node[] = [];
  for (let offset = 0; offset < node.content.length; ) {
    const child = readNode(node.content, offset);
    list.push(child);
    offset += child.der.length;
  }
  return list;
}

function expectTag(node: Node | undefined, tag: number, what: string): Node {
  if (!node || node.tag !== tag) throw new Error(`time-stamp response: ${what} expected`);
  return node;
}

function decodeOid(node: Node): string {
  const bytes = node.content;
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

function integerHex(node: Node): string {
  return node.content.toString("hex").replace(/^(00)+(?=.)/, "");
}

function generalizedTime(node: Node): Date {
  const text = node.content.toString("latin1");
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  if (!match) throw new Error(`time-stamp response: bad genTime ${text}`);
  const [, y, mo, d, h, mi, s, fraction] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ? fraction.slice(0, 4) : ""}Z`);
}

export interface TimeStampResponse {
  /** PKIStatus: 0 granted, 1 granted with modifications, 2 and more refused. */
  status: number;
  /** The TimeStampToken (CMS ContentInfo), when granted. */
  token?: Buffer;
  hashAlgorithm?: string;
  imprint?: Buffer;
  /** Hex, without leading zeros. */
  nonce?: string;
  genTime?: Date;
}

/** Reads a TimeStampResp (RFC 3161 §2.4.2) and, when granted, the TSTInfo inside its token. */
export function parseTimeStampResponse(der: Buffer): TimeStampResponse {
  const response = expectTag(readNode(der), TAG.sequence, "TimeStampResp");
  const [statusInfo, tokenNode] = children(response);
  const status = Number.parseInt(
    integerHex(
      expectTag(children(expectTag(statusInfo, TAG.sequence, "PKIStatusInfo"))[0], TAG.integer, "status"),
    ),
    16,
  );
  if (status > 1 || !tokenNode) return { status };
  return { status, ...parseTimeStampToken(tokenNode.der) };
}

/** The TSTInfo of a TimeStampToken (CMS SignedData whose content is id-ct-TSTInfo). */
export function parseTimeStampToken(der: Buffer): Required<Omit<TimeStampResponse, "status">> {
  const contentInfo = children(expectTag(readNode(der), TAG.sequence, "ContentInfo"));
  if (decodeOid(expectTag(contentInfo[0], TAG.oid, "contentType")) !== SIGNED_DATA_OID)
    throw new Error("time-stamp token: not a CMS SignedData");
  const signedData = children(
    expectTag(children(expectTag(contentInfo[1], TAG.context0, "content"))[0], TAG.sequence, "SignedData"),
  );
  const encap = children(expectTag(signedData[2], TAG.sequence, "encapContentInfo"));
  if (decodeOid(expectTag(encap[0], TAG.oid, "eContentType")) !== TST_INFO_OID)
    throw new Error("time-stamp token: not a TSTInfo");
  const eContent = expectTag(
    children(expectTag(encap[1], TAG.context0, "eContent"))[0],
    TAG.octetString,
    "eContent",
  );
  const tstInfo = children(expectTag(readNode(eContent.content), TAG.sequence, "TSTInfo"));
  const imprint = children(expectTag(tstInfo[2], TAG.sequence, "messageImprint"));
  const algorithm = children(expectTag(imprint[0], TAG.sequence, "hashAlgorithm"));
  const genTime = generalizedTime(expectTag(tstInfo[4], TAG.generalizedTime, "genTime"));
  // After genTime: accuracy (SEQUENCE) and ordering (BOOLEAN) are optional; the nonce is the INTEGER.
  const nonceNode = tstInfo.slice(5).find((node) => node.tag === TAG.integer);
  return {
    token: Buffer.from(der),
    hashAlgorithm: decodeOid(expectTag(algorithm[0], TAG.oid, "algorithm")),
    imprint: Buffer.from(expectTag(imprint[1], TAG.octetString, "hashedMessage").content),
    nonce: nonceNode ? integerHex(nonceNode) : "",
    genTime,
  };
}

export const SHA256_ALGORITHM = SHA256_OID;

/** The nonce as the response carries it: hex without leading zeros. */
export function nonceHex(nonce: Buffer): string {
  return nonce.toString("hex").replace(/^(00)+(?=.)/, "");
}
