package io.vocalis.core.dataset;

/**
 * One problem found in a dataset folder, located in {@code metadata.csv}.
 *
 * @param severity an error makes the dataset unusable; a warning is odd but usable
 * @param line 1-based line of {@code metadata.csv} where the record starts (the header is line
 *     1), or 0 for the file as a whole
 * @param column the column concerned, or null
 * @param message what is wrong, one line
 */
public record DatasetIssue(Severity severity, int line, String column, String message) {

  /** How bad an issue is. */
  public enum Severity {
    ERROR,
    WARNING
  }

  static DatasetIssue error(int line, String column, String message) {
    return new DatasetIssue(Severity.ERROR, line, column, message);
  }

  static DatasetIssue warning(int line, String column, String message) {
    return new DatasetIssue(Severity.WARNING, line, column, message);
  }

  /** {@code metadata.csv:LINE: column 'x': message}, without the parts that are absent. */
  @Override
  public String toString() {
    return DatasetReader.METADATA
        + (line > 0 ? ":" + line : "")
        + ": "
        + (column != null ? "column '" + column + "': " : "")
        + message;
  }
}
