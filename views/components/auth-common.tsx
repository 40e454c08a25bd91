import { Time } from "./format.tsx";

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

/** An ISO time in the UI's one format (views/components/format.tsx Time; "never" when absent). */
export function UtcTime(props: { iso: string | null | undefined }) {
  return <Time iso={props.iso} empty="never" />;
}
