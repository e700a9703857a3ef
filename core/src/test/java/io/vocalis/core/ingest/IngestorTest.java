package io.vocalis.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.WavWriter;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.FileStorage;
import io.vocalis.core.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestorTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
  static final RecordingMetadata META =
      new RecordingMetadata("p01", "reading", "Dev", Map.of("hoarse_harsh", 2.0, "slow_rate", 1.0));

  @TempDir Path root;

  /** {@code seconds} of a two-tone signal at {@code rate}, interleaved over {@code channels}. */
  static byte[] wav(int rate, int channels, double seconds) {
    int frames = (int) Math.round(rate * seconds);
    float[] samples = new float[frames * channels];
    for (int i = 0; i < frames; i++) {
      for (int c = 0; c < channels; c++) {
        samples[i * channels + c] =
            (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / rate) + 0.1 * Math.sin(2 * Math.PI * (900 + 100 * c) * i / rate));
      }
    }
    return new WavWriter(rate, channels, WavWriter.Encoding.PCM_16).toBytes(samples);
  }

  private Ingestor ingestor(Storage storage) {
    return new Ingestor(storage, IngestLimits.DEFAULT, 1.0, CLOCK, Ingestor.Observer.NONE);
  }

  @Test
  void stores16kMonoUnderTheContentIdAndAnnouncesOnce() throws Exception {
    byte[] input = wav(44_100, 2, 1.5);
    List<RecordingReady> announced = new ArrayList<>();
    try (Storage storage = new FileStorage(root)) {
      IngestOutcome first = ingestor(storage).ingest(input, META, "upload", announced::add);
      RecordingReady event = first.recording();

      assertThat(first.duplicate()).isFalse();
      assertThat(announced).containsExactly(event);
      String id = AudioPreprocessor.builder().build().process(input).contentId();
      assertThat(event.id()).isEqualTo(id);
      assertThat(event.sampleRate()).isEqualTo(16_000);
      assertThat(event.durationSeconds()).isCloseTo(1.5, within(1e-3));
      assertThat(event.speakerId()).isEqualTo("p01");
      assertThat(event.split()).isEqualTo("val");
      assertThat(event.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("hoarse_harsh", true, "slow_rate", false));
      assertThat(event.createdAt()).isEqualTo(CLOCK.instant());

      Path wav = root.resolve("recordings/" + id.substring(0, 2) + "/" + id + ".wav");
      assertThat(event.uri()).isEqualTo(wav.toUri().toString());
      byte[] stored = Files.readAllBytes(wav);
      assertThat(event.checksum())
          .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)));
      assertThat(AudioPreprocessor.builder().build().process(stored).contentId())
          .as("the stored file decodes to the same content")
          .isEqualTo(id);
      assertThat(ingestor(storage).find(id)).contains(event);

      IngestOutcome again = ingestor(storage).ingest(input, META, "upload", announced::add);
      assertThat(again.duplicate()).isTrue();
      assertThat(again.recording()).isEqualTo(event);
      assertThat(announced).hasSize(1);
    }
  }

  @Test
  void aFailedAnnouncementIsRetriedByTheNextAttempt() throws Exception {
    byte[] input = wav(16_000, 1, 0.5);
    try (Storage storage = new FileStorage(root)) {
      assertThatThrownBy(
              () ->
                  ingestor(storage)
                      .ingest(input, META, "upload", e -> { throw new IllegalStateException("broker down"); }))
          .hasMessage("broker down");
      List<RecordingReady> announced = new ArrayList<>();
      IngestOutcome retry = ingestor(storage).ingest(input, META, "upload", announced::add);
      assertThat(retry.duplicate()).isFalse();
      assertThat(announced).hasSize(1);
      assertThat(storage.list("recordings/")).hasSize(2);
    }
  }

  @Test
  void refusesRecordingsOverTheLimits() {
    try (Storage storage = new FileStorage(root)) {
      Ingestor small = new Ingestor(storage, new IngestLimits(1000, 3600), 1.0, CLOCK, Ingestor.Observer.NONE);
      assertThatThrownBy(() -> small.ingest(wav(16_000, 1, 0.5), META, "upload", Ingestor.Announcer.NONE))
          .isInstanceOf(RecordingTooLargeException.class)
          .hasMessage("the recording is 16044 bytes; the limit is 1000 bytes");
      Ingestor brief = new Ingestor(storage, new IngestLimits(10_000_000, 1.0), 1.0, CLOCK, Ingestor.Observer.NONE);
      assertThatThrownBy(() -> brief.ingest(wav(8_000, 1, 2.5), META, "upload", Ingestor.Announcer.NONE))
          .isInstanceOf(RecordingTooLargeException.class)
          .hasMessage("the recording lasts 2.5 s; the limit is 1.0 s");
      assertThat(storage.list("")).isEmpty();
    }
  }

  @Test
  void refusesUnusableAudioAndStoresNothing() {
    byte[] whole = wav(16_000, 1, 0.5);
    try (Storage storage = new FileStorage(root)) {
      assertThatThrownBy(() -> ingestor(storage).ingest(Arrays.copyOf(whole, 40), META, "upload", Ingestor.Announcer.NONE))
          .isInstanceOf(AudioFormatException.class)
          .extracting(e -> ((AudioFormatException) e).reason())
          .isEqualTo(AudioFormatException.Reason.TRUNCATED);
      assertThatThrownBy(() -> ingestor(storage).ingest(new byte[0], META, "upload", Ingestor.Announcer.NONE))
          .isInstanceOf(AudioFormatException.class);
      assertThat(storage.list("")).isEmpty();
    }
  }

  @Test
  void metadataFromColumnsParsesRatingsAndNamesBadOnes() {
    RecordingMetadata meta =
        RecordingMetadata.fromColumns(Map.of("speaker_id", "s1", "task", "vowel", "hoarse_harsh", " 3 ", "slow_rate", ""));
    assertThat(meta.ratings()).containsExactlyEntriesOf(Map.of("hoarse_harsh", 3.0));
    assertThatThrownBy(() -> RecordingMetadata.fromColumns(Map.of("speaker_id", "s1", "slow_rate", "high")))
        .hasMessage("rating of 'slow_rate' is not a number: 'high'");
    assertThatThrownBy(() -> RecordingMetadata.fromColumns(Map.of("task", "vowel")))
        .hasMessage("speaker_id is required");
    assertThatThrownBy(() -> RecordingMetadata.fromColumns(Map.of("speaker_id", "s1", "split", "holdout")))
        .hasMessageStartingWith("split 'holdout' is not one of train, val, test");
  }
}
