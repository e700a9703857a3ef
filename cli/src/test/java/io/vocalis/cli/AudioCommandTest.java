package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.audio.AudioDecoder;
import io.vocalis.core.audio.DecodedAudio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vocalis audio convert|bench}: output format, one-line errors, nothing left behind on failure. */
class AudioCommandTest {
  @TempDir Path dir;

  @Test
  void convertsStereo44kToMono16kFloat32() throws Exception {
    Path in = Files.write(dir.resolve("in.wav"), stereo44k(22_050));
    Path out = dir.resolve("out.wav");

    CliRun run = CliRun.of("audio", "convert", in.toString(), out.toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("out.wav: 0.500 s, 16000 Hz mono float32, id ").contains("(from WAV PCM 16-bit, 44100 Hz, 2 channel(s), 0.500 s)");
    DecodedAudio written = AudioDecoder.decode(out);
    assertThat(written.format()).isEqualTo("WAV float 32-bit");
    assertThat(written.sampleRate()).isEqualTo(16_000);
    assertThat(written.channelCount()).isEqualTo(1);
    assertThat(written.frameCount()).isEqualTo(8_000);
    assertThat(files()).containsExactlyInAnyOrder("in.wav", "out.wav");
  }

  @Test
  void cutsAndPadsOnRequest() throws Exception {
    Path in = Files.write(dir.resolve("in.wav"), stereo44k(44_100));
    Path out = dir.resolve("out.wav");
    assertThat(CliRun.of("audio", "convert", in.toString(), out.toString(), "--max-duration", "0.25").code()).isZero();
    assertThat(AudioDecoder.decode(out).frameCount()).isEqualTo(4_000);
    assertThat(CliRun.of("audio", "convert", in.toString(), out.toString(), "--max-duration", "2", "--pad").code()).isZero();
    assertThat(AudioDecoder.decode(out).frameCount()).isEqualTo(32_000);
    assertThat(CliRun.of("audio", "convert", in.toString(), out.toString(), "--pad").err().strip())
        .isEqualTo("vocalis audio convert: --pad needs --max-duration");
  }

  @Test
  void badInputFailsWithOneLineAndLeavesNoOutput() throws Exception {
    byte[] good = stereo44k(4_410);
    Path truncated = Files.write(dir.resolve("truncated.wav"), Arrays.copyOf(good, good.length - 10));
    Path out = dir.resolve("out.wav");

    CliRun run = CliRun.of("audio", "convert", truncated.toString(), out.toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.errLines())
        .containsExactly(
            "vocalis audio convert: " + truncated + ": WAV data truncated: the data chunk declares 17640 bytes, 17630 present");
    assertThat(out).doesNotExist();
    assertThat(files()).containsExactly("truncated.wav");
  }

  @Test
  void aFailedConversionLeavesAnExistingOutputUntouched() throws Exception {
    Path out = Files.writeString(dir.resolve("out.wav"), "previous");
    Path empty = Files.write(dir.resolve("empty.wav"), new byte[0]);
    CliRun run = CliRun.of("audio", "convert", empty.toString(), out.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("vocalis audio convert: " + empty + ": input is empty (0 bytes)");
    assertThat(Files.readString(out)).isEqualTo("previous");
    assertThat(files()).containsExactlyInAnyOrder("empty.wav", "out.wav");

    Path mp3 = Files.write(dir.resolve("x.mp3"), new byte[] {'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFB});
    assertThat(CliRun.of("audio", "convert", mp3.toString(), out.toString()).err())
        .startsWith("vocalis audio convert: " + mp3 + ": MP3 (ID3 tag) is not supported; supported: WAV");
    assertThat(CliRun.of("audio", "convert", dir.resolve("missing.wav").toString(), out.toString()).err().strip())
        .isEqualTo("vocalis audio convert: no such file: " + dir.resolve("missing.wav"));
    assertThat(Files.readString(out)).isEqualTo("previous");
  }

  @Test
  void benchReportsRealTimeFactors() {
    CliRun run = CliRun.of("audio", "bench", "--seconds", "1", "--rounds", "1", "--warmup", "0", "--json");
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("{\"seconds\": 1, \"results\": [{\"name\": \"preprocess\"").contains("\"from\": 8000, \"to\": 16000");
  }

  private String[] files() throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).toArray(String[]::new);
    }
  }

  /** 16-bit stereo 44.1 kHz WAV: a 440 Hz tone left, 660 Hz right. */
  static byte[] stereo44k(int frames) {
    ByteBuffer b = ByteBuffer.allocate(44 + 4 * frames).order(ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 4 * frames).put("WAVE".getBytes(StandardCharsets.US_ASCII));
    b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 2);
    b.putInt(44_100).putInt(176_400).putShort((short) 4).putShort((short) 16);
    b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(4 * frames);
    for (int i = 0; i < frames; i++) {
      b.putShort((short) (8000 * Math.sin(2 * Math.PI * 440 * i / 44_100.0)));
      b.putShort((short) (8000 * Math.sin(2 * Math.PI * 660 * i / 44_100.0)));
    }
    return b.array();
  }
}
