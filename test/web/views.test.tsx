// The views as pure functions: chart geometry, next-run choice, escaping, secrets never echoed.
import { describe, expect, test } from "bun:test";
import { formatBytes, formatDuration } from "../../views/components/format.tsx";
import { nextRunOf } from "../../views/components/job-card.tsx";
import { RunChart } from "../../views/components/run-chart.tsx";
import { SpecFields } from "../../views/components/spec-fields.tsx";
import type { JobProps, RunProps } from "../../views/components/types.ts";
import { LogLine } from "../../views/pages/run-detail.tsx";

function run(id: number, seconds: number, bytes: number, status: RunProps["status"] = "completed"): RunProps {
  const start = Date.parse("2026-01-05T02:00:00Z") + id * 86_400_000;
  return {
    id,
    job_id: 1,
    job_name: "J",
    status,
    kind: "backup",
    trigger: "manual",
    schedule_id: null,
    started_at: new Date(start).toISOString(),
    completed_at: new Date(start + seconds * 1000).toISOString(),
    files_transferred: 1,
    bytes_transferred: bytes,
    files_deleted: 0,
    versions_pruned: 0,
    files_checked: 0,
    differences: 0,
    error_message: null,
  };
}

function bars(svg: string, chartId: string) {
  const part = svg.slice(svg.indexOf(`id="${chartId}"`));
  const end = part.indexOf("</figure>");
  return [...part.slice(0, end).matchAll(/<rect class="chart-bar chart-(\w+)" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" data-run-id="(\d+)"/g)].map((m) => ({
    status: m[1],
    height: Number(m[2]),
    id: Number(m[3]),
  }));
}

describe("run chart", () => {
  test("bars are proportional to duration and bytes, oldest first, coloured by status", async () => {
    // Newest first, as the API lists runs.
    const svg = await RunChart({ runs: [run(3, 40, 1000, "failed"), run(2, 20, 4000), run(1, 10, 2000)], firstNumber: 3 });
    const dur = bars(svg, "chart-duration");
    expect(dur.map((b) => b.id)).toEqual([1, 2, 3]);
    expect(dur[2]!.height / dur[0]!.height).toBeCloseTo(4, 1);
    expect(dur[1]!.height / dur[0]!.height).toBeCloseTo(2, 1);
    expect(dur[2]!.status).toBe("failed");
    const bytes = bars(svg, "chart-bytes");
    expect(bytes[1]!.height / bytes[0]!.height).toBeCloseTo(2, 1);
    expect(bytes[1]!.height).toBeGreaterThan(bytes[2]!.height);
    expect(svg).toContain("3.9 KB");
  });

  test("no runs, no chart; a run without an end has no duration bar", async () => {
    expect(await RunChart({ runs: [], firstNumber: 0 })).toBe("");
    const open = { ...run(1, 5, 10, "running"), completed_at: null };
    const d = bars(await RunChart({ runs: [open], firstNumber: 1 }), "chart-duration");
    expect(d[0]!.height).toBe(0);
  });
});

describe("run chart, issue 16", () => {
  test("a failure under a second beside a long run still draws a visible bar; titles use the job's run numbers", async () => {
    // Global ids 40 and 17: the job's 2nd and 1st runs.
    const quick = { ...run(40, 0.2, 0, "failed"), error_message: "rsync: connection refused" };
    const svg = await RunChart({ runs: [quick, run(17, 7200, 5000)], firstNumber: 2 });
    const dur = bars(svg, "chart-duration");
    expect(dur.map((b) => b.id)).toEqual([17, 40]);
    expect(dur[1]!.status).toBe("failed");
    expect(dur[1]!.height).toBeGreaterThanOrEqual(5);
    expect(bars(svg, "chart-bytes")[1]!.height).toBeGreaterThanOrEqual(5);
    expect(svg).toContain("Run #2 · ");
    expect(svg).toContain("Run #1 · ");
    expect(svg).not.toContain("Run #40");
    expect(svg).toContain("connection refused");
  });
});

describe("formatting", () => {
  test("bytes and durations read like a person would write them", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(52428800)).toBe("50 MB");
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(900)).toBe("15 min 0 s");
    expect(formatDuration(7260)).toBe("2 h 1 min");
  });
});

describe("job card data", () => {
  const job = (enabled: boolean, next: (string | null)[]): JobProps => ({ enabled, schedules: next.map((n) => ({ schedule_type: "daily", next_run: n })) }) as unknown as JobProps;
  test("the next run is the earliest of the schedules; none when the job is disabled", () => {
    expect(nextRunOf(job(true, ["2026-02-01T00:00:00.000Z", null, "2026-01-10T00:00:00.000Z"]))).toBe("2026-01-10T00:00:00.000Z");
    expect(nextRunOf(job(false, ["2026-02-01T00:00:00.000Z"]))).toBeNull();
    expect(nextRunOf(job(true, []))).toBeNull();
  });
});

describe("escaping and secrets", () => {
  test("a log line's message is text, never markup", async () => {
    const html = await LogLine({ entry: { id: 1, run_id: 1, timestamp: "2026-01-05T02:00:01Z", level: "error", message: "<img src=x onerror=alert(1)>" } });
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img");
    expect(html).toContain('class="log-line error"');
  });

  test("secret fields are never pre-filled, other fields keep their value", async () => {
    const html = await SpecFields({
      prefix: "data.",
      fields: [
        { name: "username", label: "User", type: "string", required: true },
        { name: "password", label: "Password", type: "password", required: true, secret: true },
        { name: "private_key", label: "Key", type: "text", required: false, secret: true },
      ],
      values: { username: 'alice"<', password: "hunter2", private_key: "-----BEGIN KEY-----" },
    });
    expect(html).toContain('value="alice&#34;<"');
    expect(html).not.toContain("hunter2");
    expect(html).not.toContain("BEGIN KEY");
  });
});
