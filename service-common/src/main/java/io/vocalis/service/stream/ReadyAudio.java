package io.vocalis.service.stream;

import io.vocalis.core.audio.AudioFormatException;
import io.vocalis.core.audio.AudioPreprocessor;
import io.vocalis.core.audio.PreprocessedAudio;
import io.vocalis.core.events.RecordingReady;
import io.vocalis.core.storage.Storage;
import java.net.URI;

/** The stored audio of a {@link RecordingReady}, as the stream consumers that read it take it. */
public final class ReadyAudio {
  private static final AudioPreprocessor PREPROCESSOR = AudioPreprocessor.builder().build();

  private ReadyAudio() {}

  /**
   * The recording's 16 kHz samples from {@code storage}, checked against its content id.
   *
   * @throws InvalidRecordException when its uri is outside {@code storage} or the audio there is
   *     another recording's
   * @throws AudioFormatException when the stored audio cannot be decoded
   */
  public static float[] samples(Storage storage, RecordingReady recording) throws AudioFormatException {
    String key;
    try {
      key = storage.key(URI.create(recording.uri()));
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException("recording " + recording.id() + ": its uri " + recording.uri()
          + " is not in this service's storage " + storage.root(), e);
    }
    PreprocessedAudio audio = PREPROCESSOR.process(storage.readAllBytes(key));
    if (!audio.contentId().equals(recording.id())) {
      throw new InvalidRecordException("recording " + recording.id() + ": the audio at " + recording.uri()
          + " has content id " + audio.contentId());
    }
    return audio.samples();
  }
}
