import { escapeHtml } from "@kitajs/html";

/**
 * An e-mail address that wraps after its « @ » on a narrow screen rather than at any letter (issue #13
 * item 4); a part still too long for the line breaks where it must (`overflow-wrap` on `main`).
 */
export function EmailAddress(props: { email: string }) {
  const at = props.email.lastIndexOf("@");
  if (at <= 0) return <span safe>{props.email}</span>;
  return (
    <span class="email">
      {escapeHtml(props.email.slice(0, at + 1))}
      <wbr />
      {escapeHtml(props.email.slice(at + 1))}
    </span>
  );
}
