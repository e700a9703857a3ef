package io.vocalis.core.ingest;

import io.vocalis.core.events.RecordingReady;

/**
 * The result of ingesting one recording.
 *
 * @param recording the stored recording's event
 * @param duplicate true when the same audio had been stored and announced before (nothing was
 *     written or announced this time)
 */
public record IngestOutcome(RecordingReady recording, boolean duplicate) {}
