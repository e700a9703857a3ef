package io.vocalis.core.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One thing an import could not ingest: a failed row (its line and file) or the failure that
 * stopped a whole job (line 0, no file).
 *
 * @param at when the job recorded it (the job's last update)
 * @param importId the import job
 * @param uri the dataset folder it read
 * @param line the line of metadata.csv, 0 for the job's own failure
 * @param file the row's audio file, or null
 * @param reason why
 */
public record IngestFailure(Instant at, String importId, String uri, int line, String file, String reason) {

  /** The failures of {@code jobs}, newest job first and in line order within a job, at most {@code limit}. */
  public static List<IngestFailure> recent(List<ImportJob> jobs, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1: " + limit);
    }
    List<IngestFailure> all = new ArrayList<>();
    jobs.stream().sorted(Comparator.comparing(ImportJob::updatedAt).reversed().thenComparing(ImportJob::id))
        .forEach(job -> {
          job.errors().forEach(e -> all.add(new IngestFailure(job.updatedAt(), job.id(), job.uri(), 0, null, e)));
          job.rows().stream().filter(r -> r.status() == ImportJob.RowOutcome.Status.FAILED)
              .forEach(r -> all.add(new IngestFailure(job.updatedAt(), job.id(), job.uri(), r.line(), r.file(),
                  r.reason())));
        });
    return List.copyOf(all.subList(0, Math.min(limit, all.size())));
  }
}
