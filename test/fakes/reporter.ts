import type { PreviewReport, PreviewReporter } from '../../src/preview/report.js'

/** Keeps every report, in order. */
export class RecordingReporter implements PreviewReporter {
  readonly reports: PreviewReport[] = []

  async report(report: PreviewReport): Promise<void> {
    this.reports.push(report)
  }

  states(): string[] {
    return this.reports.map((r) => r.state)
  }
}
