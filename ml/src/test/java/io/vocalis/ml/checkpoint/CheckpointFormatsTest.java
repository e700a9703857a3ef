package io.vocalis.ml.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.ml.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading safetensors (single and sharded) and torch.save zips, and the weight-norm namings. */
class CheckpointFormatsTest {
  @TempDir Path temp;

  @Test
  void torchZipAndSafetensorsReadTheSameTensors() throws IOException {
    Path folder = Fixtures.encoders("formats");
    try (TorchZipFile bin = TorchZipFile.open(folder.resolve("pytorch_model.bin"));
        SafetensorsFile safe = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
      assertThat(bin.names())
          .containsExactly("f32", "transposed", "shared_tail", "f16", "bf16", "f64", "steps");
      assertThat(safe.names()).containsExactlyInAnyOrderElementsOf(bin.names());
      for (String name : bin.names()) {
        StoredTensor fromBin = bin.tensor(name);
        StoredTensor fromSafe = safe.tensor(name);
        assertThat(fromBin.dtype()).as(name).isEqualTo(fromSafe.dtype());
        assertThat(fromBin.shape()).as(name).isEqualTo(fromSafe.shape());
        assertThat(fromBin.toFloats()).as(name).isEqualTo(fromSafe.toFloats());
      }
      assertThat(bin.tensor("transposed").shape()).containsExactly(6, 4);
      assertThat(bin.tensor("f16").dtype()).isEqualTo(TensorDtype.F16);
      assertThat(bin.tensor("bf16").dtype()).isEqualTo(TensorDtype.BF16);
      assertThat(bin.tensor("steps").toFloats()).containsExactly(42f);
      // the transposed view really is the transpose of f32
      float[] f32 = bin.tensor("f32").toFloats();
      float[] t = bin.tensor("transposed").toFloats();
      assertThat(t[1 * 4 + 2]).isEqualTo(f32[2 * 6 + 1]);
    }
  }

  @Test
  void checkpointFolderFindsEachFormat() {
    try (Checkpoint single = Checkpoint.open(Fixtures.encoders("wav2vec2-group"));
        Checkpoint sharded = Checkpoint.open(Fixtures.encoders("wav2vec2-layer-stable"));
        Checkpoint bin = Checkpoint.open(Fixtures.encoders("wav2vec2-layer-postln"));
        Checkpoint shardedBin = Checkpoint.open(Fixtures.encoders("hubert-layer-stable"))) {
      assertThat(single.format()).isEqualTo("safetensors");
      assertThat(sharded.format()).isEqualTo("sharded safetensors");
      assertThat(bin.format()).isEqualTo("pytorch_model.bin");
      assertThat(shardedBin.format()).isEqualTo("sharded pytorch_model.bin");
      assertThat(shardedBin.names())
          .contains("feature_extractor.conv_layers.0.conv.weight", "encoder.layers.1.final_layer_norm.bias");
      assertThat(sharded.names()).contains("encoder.layers.1.attention.out_proj.weight");
      assertThat(bin.names())
          .contains("encoder.pos_conv_embed.conv.weight_g", "encoder.pos_conv_embed.conv.weight_v");
      assertThat(single.names())
          .contains("wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original0");
    }
  }

  @Test
  void weightNormIsFoldedInBothNamings() {
    for (String fixture : List.of("wav2vec2-group", "wav2vec2-layer-postln")) {
      try (Checkpoint checkpoint = Checkpoint.open(Fixtures.encoders(fixture))) {
        StateDict dict = StateDict.of(checkpoint);
        String prefix = fixture.equals("wav2vec2-group") ? "wav2vec2." : "";
        String name = prefix + "encoder.pos_conv_embed.conv.weight";
        assertThat(dict.names()).contains(name).noneMatch(n -> n.contains("weight_g"))
            .noneMatch(n -> n.contains("parametrizations"));
        StoredTensor w = dict.tensor(name);
        assertThat(w.shape()).containsExactly(32, 8, 16 - (fixture.equals("wav2vec2-group") ? 0 : 1));
        // dim=2: for every kernel position k, ||w[:, :, k]|| == g[k]
        String g = checkpoint.names().stream().filter(n -> n.endsWith("weight_g")
            || n.endsWith("original0")).findFirst().orElseThrow();
        float[] gValues = checkpoint.tensor(g).toFloats();
        float[] values = w.toFloats();
        int k = gValues.length;
        for (int j = 0; j < k; j++) {
          double sum = 0;
          for (int i = j; i < values.length; i += k) {
            sum += (double) values[i] * values[i];
          }
          assertThat(Math.sqrt(sum)).isCloseTo(gValues[j], org.assertj.core.api.Assertions.within(1e-5));
        }
      }
    }
  }

  @Test
  void writerRoundTripsHalfPrecisionAndMetadata() throws IOException {
    ByteBuffer half = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
    half.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001).flip();
    ByteBuffer bf16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    bf16.putShort((short) 0x3f80).putShort((short) 0x4049).flip();
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    tensors.put("a", StoredTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    tensors.put("h", new StoredTensor(TensorDtype.F16, new long[] {3}, half));
    tensors.put("b", new StoredTensor(TensorDtype.BF16, new long[] {2}, bf16));
    Path file = temp.resolve("out.safetensors");
    SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
    long headerLength =
        ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
    try (SafetensorsFile read = SafetensorsFile.open(file)) {
      assertThat(read.names()).containsExactly("a", "h", "b");
      assertThat(read.metadata()).containsEntry("format", "pt");
      assertThat(read.tensor("a").toFloats()).containsExactly(1, 2, 3, 4, 5, 6);
      assertThat(read.tensor("a").shape()).containsExactly(2, 3);
      assertThat(read.tensor("h").toFloats()).containsExactly(1f, -2f, 0x1p-24f);
      assertThat(read.tensor("b").toFloats()).containsExactly(1f, 3.140625f);
    }
  }

  @Test
  void copyToReadsTheBytesOfAFileOrMemoryTensorIntoATarget() throws IOException {
    Path file = temp.resolve("copy.safetensors");
    SafetensorsWriter.write(file, Map.of("w", StoredTensor.ofFloats(new float[] {1.5f, -2f, 3.25f}, 3)), Map.of());
    try (SafetensorsFile read = SafetensorsFile.open(file)) {
      StoredTensor stored = read.tensor("w");
      assertThat(stored.byteSize()).isEqualTo(12);
      // into the middle of a direct buffer, as into a parameter's memory
      ByteBuffer target = ByteBuffer.allocateDirect(20).order(ByteOrder.LITTLE_ENDIAN);
      target.position(4).limit(16);
      stored.copyTo(target);
      assertThat(target.hasRemaining()).isFalse();
      assertThat(new float[] {target.getFloat(4), target.getFloat(8), target.getFloat(12)})
          .containsExactly(1.5f, -2f, 3.25f);
      assertThatThrownBy(() -> stored.copyTo(ByteBuffer.allocate(8)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("target has 8 bytes, tensor 12");
    }
    ByteBuffer fromMemory = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    StoredTensor.ofFloats(new float[] {7f, 8f, 9f}, 3).copyTo(fromMemory);
    assertThat(fromMemory.flip().asFloatBuffer().get(2)).isEqualTo(9f);
  }

  @Test
  void safetensorsHeaderIsValidated() throws IOException {
    assertThatThrownBy(() -> SafetensorsFile.open(write("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],"
            + "\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("overlap");
    assertThatThrownBy(() -> SafetensorsFile.open(write(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8)))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("invalid data_offsets");
    assertThatThrownBy(() -> SafetensorsFile.open(write(
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("invalid data_offsets");
    assertThatThrownBy(() -> SafetensorsFile.open(write("not json", 0)))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("not valid JSON");
  }

  private Path write(String header, int dataBytes) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json);
    Path file = Files.createTempFile(temp, "bad", ".safetensors");
    Files.write(file, b.array());
    return file;
  }
}
