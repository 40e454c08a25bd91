// Small pieces shared by the account page's sections.

export function Alert(props: { kind: "error" | "ok" | "info"; text?: string }) {
  return props.text ? (
    <div class={`alert alert-${props.kind}`} role={props.kind === "error" ? "alert" : "status"} safe>
      {props.text}
    </div>
  ) : (
    ""
  );
}

/** An ISO time as "2026-01-05 02:15 UTC" (the machine-readable value stays in datetime). */
export function UtcTime(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span class="muted">never</span>;
  const text = props.iso.replace("T", " ").slice(0, 16) + " UTC";
  return (
    <time datetime={props.iso} safe>
      {text}
    </time>
  );
}
