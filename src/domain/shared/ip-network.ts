import { isIP } from "node:net";

/**
 * The address as one spelling: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a dual-stack socket
 * reports) becomes its IPv4 form, IPv6 goes lower case. Undefined when it is not an IP address.
 */
export function canonicalIp(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length > 64) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(value)?.[1];
  if (mapped && isIP(mapped) === 4) return mapped;
  const family = isIP(value);
  if (family === 4) return value;
  if (family === 6) return value.toLowerCase();
  return undefined;
}

/**
 * What a throttle counts as one client: an IPv4 address, or the /64 of an IPv6 address (a subscriber
 * holds a whole /64 and could otherwise rotate through 2^64 addresses, each with a fresh allowance).
 */
export function ipNetwork(ip: string): string {
  const canonical = canonicalIp(ip);
  if (canonical === undefined) return "invalid";
  if (isIP(canonical) === 4) return canonical;
  const hextets = expandIpv6(canonical.split("%")[0]!);
  return `${hextets.slice(0, 4).join(":")}::/64`;
}

function expandIpv6(address: string): string[] {
  let text = address;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((h) => h.replace(/^0+(?=.)/, ""));
}
