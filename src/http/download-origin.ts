import type { TenantRequest } from "./tenant-scope.js";

/**
 * Whether a GET download comes from the portal's own pages, so that it may record the first download
 * (lifecycle 204 "Prise en charge", which also ends the "new" state and the retention reminders). A
 * file is served either way: only this state change depends on it (issue 12, finding 5).
 *
 * - `Sec-Fetch-Site` (every current browser sends it) must be `same-origin`. `same-site` is refused: a
 *   sibling tenant's subdomain is same-site. `none` is refused too: it is what a link opened from a mail
 *   client or another application gets, which anyone can send; the user's own click on the list or the
 *   detail page is `same-origin`, so nothing the user does in the portal is lost.
 * - Without it (an old browser, curl): the Referer must be a page of this portal. Our pages send it to
 *   their own origin (`Referrer-Policy: same-origin`) and no other site can forge it in a browser; a
 *   request with neither records nothing, the conservative side of the trade.
 * The ZIP download is a POST with the CSRF token and the Origin check, so it needs none of this.
 */
export function isSameOriginDownload(request: TenantRequest): boolean {
  const fetchSite = request.headers["sec-fetch-site"];
  if (fetchSite !== undefined) return fetchSite === "same-origin";
  const referer = request.headers.referer;
  if (!referer) return false;
  try {
    return new URL(referer).origin === request.portal.origin;
  } catch {
    return false;
  }
}
