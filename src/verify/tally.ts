// What a verify run has found so far: files checked and differences, each difference one warning
// line "path: why" (the run log's warnings are exactly the differences; skipped entries are info).
import type { RunReporter } from "../destinations/contract.ts";

export interface VerifyCounts {
  filesChecked: number;
  differences: number;
}

export class VerifyTally implements VerifyCounts {
  filesChecked = 0;
  differences = 0;

  /** Every change also goes to `report.progress`, the run's live counters (the engine throttles what it emits). */
  constructor(private readonly report: RunReporter) {}

  checked(n = 1) {
    this.filesChecked += n;
    this.report.progress({ checked: n });
  }

  /** One difference: one warning line naming the path and every reason found for it. */
  differ(path: string, reasons: string[]) {
    this.differences++;
    this.report.log("warning", `${path}: ${reasons.join("; ")}`);
    this.report.progress({ differences: 1 });
  }

  counts(): VerifyCounts {
    return { filesChecked: this.filesChecked, differences: this.differences };
  }
}
