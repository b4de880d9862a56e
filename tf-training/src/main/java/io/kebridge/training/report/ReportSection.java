package io.kebridge.training.report;

import java.util.List;

/**
 * An extra table in a run's report, from tools the trainer does not know about (the slim network's
 * costs and latency, export parity, the environment). Cells are plain text; the report escapes
 * them.
 *
 * @param note a sentence under the table, or null
 */
public record ReportSection(
    String title, List<String> headers, List<List<String>> rows, String note) {
  public ReportSection {
    headers = List.copyOf(headers);
    rows = rows.stream().map(List::copyOf).toList();
    for (List<String> row : rows) {
      if (row.size() != headers.size()) {
        throw new IllegalArgumentException(
            title + ": a row has " + row.size() + " cells for " + headers.size() + " columns");
      }
    }
  }
}
