import { escapeHtml } from "@kitajs/html";
import type { Ui } from "../../i18n/index.js";
import { Layout, PLATFORM_BRANDING } from "./layout.js";

/** The platform host itself: no tenant list (tenants are not advertised), a pointer for developers. */
export function PlatformHomePage(props: { devOutbox: boolean; ui: Ui }) {
  const t = props.ui.t.platform;
  return (
    <Layout title={t.title} branding={PLATFORM_BRANDING} ui={props.ui}>
      <div class="center card">
        <h1>E-FACTURE</h1>
        <p safe>{t.text}</p>
        {props.devOutbox ? (
          <p class="muted">
            {escapeHtml(t.devOutbox)}{" "}
            <a href="/_dev/outbox" safe>
              {t.devOutboxLink}
            </a>
            .
          </p>
        ) : (
          ""
        )}
      </div>
    </Layout>
  );
}
