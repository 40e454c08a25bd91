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

  /** `onChange` feeds live counters (called after every change; the engine throttles what it emits). */
  constructor(
    private readonly report: RunReporter,
    private readonly onChange: (counts: VerifyCounts) => void = () => {},
  ) {}

  checked(n = 1) {
    this.filesChecked += n;
    this.onChange(this.counts());
  }

  /** One difference: one warning line naming the path and every reason found for it. */
  differ(path: string, reasons: string[]) {
    this.differences++;
    this.report.log("warning", `${path}: ${reasons.join("; ")}`);
    this.onChange(this.counts());
  }

  counts(): VerifyCounts {
    return { filesChecked: this.filesChecked, differences: this.differences };
  }
}
