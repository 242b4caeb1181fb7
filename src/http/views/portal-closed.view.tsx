import type { Ui } from "../../i18n/index.js";
import { type Branding, Layout } from "./layout.js";

/** Production, legal details incomplete: the customers' pages say the portal is not open yet, and nothing else. */
export function PortalClosedPage(props: { ui: Ui; branding: Branding }) {
  const t = props.ui.t.portalDetails;
  return (
    <Layout title={t.closedTitle} branding={props.branding} ui={props.ui}>
      <div class="center card portal-closed">
        <h1 safe>{t.closedTitle}</h1>
        <p safe>{t.closedText(props.branding.name)}</p>
      </div>
    </Layout>
  );
}
