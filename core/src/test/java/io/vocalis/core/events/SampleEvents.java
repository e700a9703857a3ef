package io.vocalis.core.events;

import java.time.Instant;
import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.StateSelection;
import java.util.List;
import java.util.Map;

/** One valid event of each type, with every field set. */
final class SampleEvents {
  static final String ID = "a".repeat(63) + "1";
  static final String CHECKSUM = "0123456789abcdef".repeat(4);
  static final Instant AT = Instant.parse("2026-11-25T10:15:30.123Z");

  private SampleEvents() {}

  static RecordingIncoming incoming() {
    return new RecordingIncoming(
        Event.SCHEMA,
        "gs://clinic-a/drop/p01_s03.flac",
        "bucket:clinic-a",
        Map.of("speaker_id", "p01", "task", "sentence_repetition", "hoarse_harsh", "2"),
        AT);
  }

  static RecordingReady ready() {
    return new RecordingReady(
        Event.SCHEMA,
        ID,
        "file:///data/recordings/aa/" + ID + ".wav",
        3.25,
        16000,
        "p01",
        "sentence_repetition",
        "train",
        Map.of("hoarse_harsh", 2.0, "slow_rate", 0.0),
        Map.of("hoarse_harsh", true, "slow_rate", false),
        "upload",
        CHECKSUM,
        AT);
  }

  static RatingsUpdated ratings() {
    return new RatingsUpdated(
        Event.SCHEMA,
        ID,
        2,
        Map.of("hoarse_harsh", 1.0, "monopitch_monoloudness", 3.0),
        Map.of("hoarse_harsh", false, "monopitch_monoloudness", true),
        1.0,
        List.of("hoarse_harsh", "monopitch_monoloudness", "slow_rate"),
        "api",
        AT);
  }

  static EmbeddingsReady embeddings() {
    return new EmbeddingsReady(
        Event.SCHEMA,
        ID,
        "hf://microsoft/wavlm-base-plus@4c9a2c6",
        "sha256:0123456789abcdef0123456789abcdef",
        StateSelection.indices(List.of(0, 6, 12)),
        1,
        EmbeddingDtype.FLOAT16,
        3,
        162,
        768,
        "file:///data/embeddings/x.safetensors",
        AT);
  }

  static ModelPublished model() {
    return new ModelPublished(
        Event.SCHEMA,
        "dysarthria-5",
        3,
        4,
        ModelPublished.PROMOTE,
        2,
        new ModelPublished.Artifact("file:///data/runs/r1/models/best", ID),
        new ModelPublished.Encoder("hf://microsoft/wavlm-base-plus@4c9a2c6", "sha256:0123456789abcdef"),
        List.of(new ModelPublished.Feature("hoarse_harsh", 0.42), new ModelPublished.Feature("slow_rate", 0.5)),
        AT);
  }

  static Prediction prediction() {
    return new Prediction(
        Event.SCHEMA,
        ID,
        "dysarthria-5",
        "run-20261125-1",
        Map.of("hoarse_harsh", 0.73, "slow_rate", 0.12),
        Map.of("hoarse_harsh", true, "slow_rate", false),
        AT);
  }

  static List<Event> all() {
    return List.of(incoming(), ready(), ratings(), embeddings(), model(), prediction());
  }
}
