/** The public origin of a tenant's portal: `<slug>.<host of PUBLIC_BASE_URL>`, same scheme and port. */
export function tenantOrigin(publicBaseUrl: URL, slug: string): string {
  const url = new URL(publicBaseUrl.origin);
  url.hostname = `${slug}.${url.hostname}`;
  return url.origin;
}

/**
 * The tenant slug a Host header names, or undefined for the platform host itself. Case and a
 * trailing dot are ignored; the port must be the public one (or absent when it is the default).
 */
export function resolveHost(
  publicBaseUrl: URL,
  hostHeader: string | undefined,
): { kind: "platform" } | { kind: "tenant"; slug: string } | { kind: "unknown" } {
  if (!hostHeader) return { kind: "unknown" };
  let parsed: URL;
  try {
    parsed = new URL(`${publicBaseUrl.protocol}//${hostHeader.trim()}`);
  } catch {
    return { kind: "unknown" };
  }
  if (parsed.username || parsed.password || parsed.pathname !== "/") return { kind: "unknown" };
  const host = parsed.hostname.toLowerCase().replace(/\.$/, "");
  const base = publicBaseUrl.hostname.toLowerCase();
  if (parsed.port !== publicBaseUrl.port) return { kind: "unknown" };
  if (host === base) return { kind: "platform" };
  if (!host.endsWith(`.${base}`)) return { kind: "unknown" };
  const slug = host.slice(0, -(base.length + 1));
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(slug)) return { kind: "unknown" };
  return { kind: "tenant", slug };
}
