// The tabs of a job's pages: its history and what its destination holds.
export function JobTabs(props: { jobId: number; current: "history" | "files" }) {
  const tab = (key: "history" | "files", href: string, label: string) =>
    props.current === key ? (
      <a class="tab tab-current" href={href} aria-current="page" safe>
        {label}
      </a>
    ) : (
      <a class="tab" href={href} safe>
        {label}
      </a>
    );
  return (
    <nav class="tabs" aria-label="Job">
      {tab("history", `/jobs/${props.jobId}/runs`, "History")}
      {tab("files", `/jobs/${props.jobId}/files`, "Files")}
    </nav>
  );
}
