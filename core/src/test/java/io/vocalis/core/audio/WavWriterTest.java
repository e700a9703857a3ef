package io.vocalis.core.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class WavWriterTest {

  static String tag(ByteBuffer b, int at) {
    byte[] four = new byte[4];
    b.get(at, four);
    return new String(four, StandardCharsets.US_ASCII);
  }

  @Test
  void pcm16MonoHeaderAndSamples() throws Exception {
    float[] x = {0f, 0.5f, -0.5f, 1f, -1f, 2f, Float.NaN};
    byte[] bytes = new WavWriter(16_000, 1, WavWriter.Encoding.PCM_16).toBytes(x);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes).hasSize(44 + 2 * x.length);
    assertThat(tag(b, 0)).isEqualTo("RIFF");
    assertThat(b.getInt(4)).isEqualTo(bytes.length - 8);
    assertThat(tag(b, 8)).isEqualTo("WAVE");
    assertThat(tag(b, 12)).isEqualTo("fmt ");
    assertThat(b.getInt(16)).isEqualTo(16);
    assertThat(b.getShort(20)).isEqualTo((short) 1);
    assertThat(b.getShort(22)).isEqualTo((short) 1);
    assertThat(b.getInt(24)).isEqualTo(16_000);
    assertThat(b.getInt(28)).isEqualTo(32_000);
    assertThat(b.getShort(32)).isEqualTo((short) 2);
    assertThat(b.getShort(34)).isEqualTo((short) 16);
    assertThat(tag(b, 36)).isEqualTo("data");
    assertThat(b.getInt(40)).isEqualTo(2 * x.length);
    short[] pcm = new short[x.length];
    for (int i = 0; i < x.length; i++) {
      pcm[i] = b.getShort(44 + 2 * i);
    }
    assertThat(pcm).containsExactly(0, 16384, -16384, 32767, -32767, 32767, 0);

    // The JDK's own reader agrees.
    try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(bytes))) {
      AudioFormat f = in.getFormat();
      assertThat(f.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
      assertThat(f.getSampleRate()).isEqualTo(16_000f);
      assertThat(f.getChannels()).isEqualTo(1);
      assertThat(f.getSampleSizeInBits()).isEqualTo(16);
      assertThat(f.isBigEndian()).isFalse();
      assertThat(in.getFrameLength()).isEqualTo(x.length);
    }
  }

  @Test
  void float32StereoHasFactChunk() {
    float[] x = {0.25f, -0.25f, 1.5f, -3f};
    byte[] bytes = new WavWriter(44_100, 2, WavWriter.Encoding.FLOAT_32).toBytes(x);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(4)).isEqualTo(bytes.length - 8);
    assertThat(b.getInt(16)).isEqualTo(18);
    assertThat(b.getShort(20)).isEqualTo((short) 3);
    assertThat(b.getShort(22)).isEqualTo((short) 2);
    assertThat(b.getInt(24)).isEqualTo(44_100);
    assertThat(b.getInt(28)).isEqualTo(44_100 * 8);
    assertThat(b.getShort(32)).isEqualTo((short) 8);
    assertThat(b.getShort(34)).isEqualTo((short) 32);
    assertThat(b.getShort(36)).isEqualTo((short) 0);
    assertThat(tag(b, 38)).isEqualTo("fact");
    assertThat(b.getInt(46)).isEqualTo(2); // frames
    assertThat(tag(b, 50)).isEqualTo("data");
    assertThat(b.getInt(54)).isEqualTo(16);
    assertThat(bytes).hasSize(58 + 16);
    for (int i = 0; i < x.length; i++) {
      assertThat(b.getFloat(58 + 4 * i)).isEqualTo(x[i]); // floats are written unclipped
    }
  }

  @Test
  void moreThanTwoChannelsUseExtensibleFormat() {
    byte[] bytes = new WavWriter(8_000, 3, WavWriter.Encoding.PCM_16).toBytes(new float[6]);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt(16)).isEqualTo(40);
    assertThat(b.getShort(20) & 0xFFFF).isEqualTo(0xFFFE);
    assertThat(b.getShort(22)).isEqualTo((short) 3);
    assertThat(b.getShort(32)).isEqualTo((short) 6);
    assertThat(b.getShort(36)).isEqualTo((short) 22);
    assertThat(b.getShort(38)).isEqualTo((short) 16);
    assertThat(b.getInt(40)).isEqualTo(0b111);
    assertThat(b.getShort(44)).isEqualTo((short) 1); // KSDATAFORMAT_SUBTYPE_PCM
    assertThat(tag(b, 60)).isEqualTo("data");
    assertThat(b.getInt(64)).isEqualTo(12);
    assertThat(b.getInt(4)).isEqualTo(bytes.length - 8);
  }

  @Test
  void writeStreamsTheSameBytes() throws Exception {
    WavWriter w = new WavWriter(8_000, 1, WavWriter.Encoding.PCM_16);
    float[] x = {0.1f, -0.2f, 0.3f};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    w.write(out, x);
    assertThat(out.toByteArray()).isEqualTo(w.toBytes(x));
  }

  @Test
  void rejectsPartialFramesAndBadParameters() {
    WavWriter stereo = new WavWriter(16_000, 2, WavWriter.Encoding.PCM_16);
    assertThatThrownBy(() -> stereo.toBytes(new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2-channel");
    assertThatThrownBy(() -> new WavWriter(0, 1, WavWriter.Encoding.PCM_16))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new WavWriter(16_000, 0, WavWriter.Encoding.PCM_16))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
