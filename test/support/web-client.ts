import type { FastifyInstance, LightMyRequestResponse } from "fastify";

/** A browser-like client over app.inject: keeps cookies per host, sends forms with the page's CSRF token. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  lastHtml = "";

  /** Each client comes from its own address, as separate people would (per-IP throttling). */
  readonly remoteAddress =
    `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

  constructor(
    readonly app: FastifyInstance,
    readonly host: string,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }

  private remember(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === "" || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0)
        this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    if (String(res.headers["content-type"] ?? "").includes("text/html")) this.lastHtml = res.body;
  }

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method: "GET",
      url,
      remoteAddress: this.remoteAddress,
      // What a current browser sends for a click on the portal's own pages (read by the download routes).
      headers: {
        host: this.host,
        "sec-fetch-site": "same-origin",
        ...this.cookieHeader(),
        ...this.headers,
        ...headers,
      },
    });
    this.remember(res);
    return res;
  }

  /** The CSRF token of the last page (or of `html`). */
  csrf(html = this.lastHtml): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error("no CSRF token on the page");
    return match[1]!;
  }

  async post(
    url: string,
    form: Record<string, string>,
    options: { csrf?: string | false; headers?: Record<string, string> } = {},
  ) {
    const body = new URLSearchParams(form);
    if (options.csrf !== false) body.set("_csrf", options.csrf ?? this.csrf());
    const res = await this.app.inject({
      method: "POST",
      url,
      remoteAddress: this.remoteAddress,
      payload: body.toString(),
      headers: {
        host: this.host,
        "content-type": "application/x-www-form-urlencoded",
        ...this.cookieHeader(),
        ...this.headers,
        ...(options.headers ?? {}),
      },
    });
    this.remember(res);
    return res;
  }
}

/** The same page with its per-response parts (CSRF tokens) blanked, to compare two answers. */
export function comparable(html: string): string {
  return html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');
}
