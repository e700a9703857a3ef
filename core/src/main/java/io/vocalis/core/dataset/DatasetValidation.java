package io.vocalis.core.dataset;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What {@link DatasetReader#read} found: every error and warning, in file order, and the dataset
 * when there are no errors.
 *
 * @param errors problems that make the dataset unusable
 * @param warnings odd but usable rows
 * @param dataset the dataset; empty when there are errors
 */
public record DatasetValidation(List<DatasetIssue> errors, List<DatasetIssue> warnings, Optional<Dataset> dataset) {

  public DatasetValidation {
    errors = List.copyOf(errors);
    warnings = List.copyOf(warnings);
  }

  /** Errors and warnings together, by line; at the same line errors come first. */
  public List<DatasetIssue> issues() {
    List<DatasetIssue> all = new ArrayList<>(errors);
    all.addAll(warnings);
    all.sort(Comparator.comparingInt(DatasetIssue::line));
    return List.copyOf(all);
  }

  /** True when there are no errors. */
  public boolean valid() {
    return errors.isEmpty();
  }

  /**
   * The dataset.
   *
   * @throws IllegalArgumentException listing every error, one per line, when it is not valid
   */
  public Dataset orThrow() {
    return dataset.orElseThrow(
        () ->
            new IllegalArgumentException(
                errors.size() + " error(s) in the dataset:\n"
                    + errors.stream().map(DatasetIssue::toString).collect(Collectors.joining("\n"))));
  }
}
