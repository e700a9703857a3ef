package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vocalis.core.embeddings.EmbeddingDtype;
import io.vocalis.core.embeddings.EmbeddingKey;
import io.vocalis.core.embeddings.StateSelection;
import io.vocalis.core.storage.Storage;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.checkpoint.TensorDtype;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.Encoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared cache: one key scheme, self-describing entries, float16 storage; a hit never opens the encoder. */
class EmbeddingCacheTest {
  static final String REC = "0a" + "1".repeat(62);
  @TempDir Path temp;

  @Test
  void keysCarryTheEncoderRevisionSelectionDtypeAndImplementation() {
    EmbeddingKey k = EmbeddingCache.key(REC, EncoderReference.of("fbank"), StateSelection.last(),
        EmbeddingDtype.FLOAT32);
    assertThat(k).isEqualTo(new EmbeddingKey(REC, "fbank", StateSelection.last(), EmbeddingDtype.FLOAT32,
        Encoders.IMPLEMENTATION_VERSION));
    assertThat(Embedding.selectionOf(LayerChoice.weighted())).isEqualTo(StateSelection.all());
    assertThat(Embedding.selectionOf(LayerChoice.index(3))).isEqualTo(StateSelection.indices(List.of(3)));
    assertThat(Embedding.selectionOf(LayerChoice.last())).isEqualTo(StateSelection.last());
  }

  @Test
  void entriesDescribeThemselvesAndFloat16HalvesThem() throws IOException {
    try (Storage storage = Storage.open(temp.toString())) {
      EmbeddingCache cache = new EmbeddingCache(storage);
      float[] values = new float[2 * 3 * 4];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) Math.sin(i) * 7.3f;
      }
      Embedding e = new Embedding(2, 3, 4, values);
      EmbeddingKey k32 = new EmbeddingKey(REC, "fbank", StateSelection.indices(List.of(0, 4)), EmbeddingDtype.FLOAT32, 1);
      EmbeddingKey k16 = new EmbeddingKey(REC, "fbank", StateSelection.indices(List.of(0, 4)), EmbeddingDtype.FLOAT16, 1);
      String o32 = cache.put(k32, "fbank", e);
      String o16 = cache.put(k16, "fbank", e);
      assertThat(o32).startsWith("embeddings/").isEqualTo(k32.objectKey("embeddings"));
      SafetensorsFile file = SafetensorsFile.of(storage.readAllBytes(o16), o16);
      assertThat(EmbeddingKey.fromMetadata(file.metadata())).isEqualTo(k16);
      assertThat(file.metadata()).containsEntry("encoder", "fbank");
      assertThat(file.tensor("states").dtype()).isEqualTo(TensorDtype.F16);
      assertThat(file.tensor("states").shape()).containsExactly(2, 3, 4);
      // the tensor data halves; the headers differ only in the dtype's name and offsets
      assertThat(storage.stat(o32).orElseThrow().size() - storage.stat(o16).orElseThrow().size())
          .isBetween(values.length * 2L - 8, values.length * 2L + 8);
      assertThat(cache.get(k32).orElseThrow().values()).isEqualTo(values);
      float[] back = cache.get(k16).orElseThrow().values();
      for (int i = 0; i < values.length; i++) {
        // half precision keeps 11 significant bits: relative error <= 2^-11
        assertThat(back[i]).isCloseTo(values[i], within(Math.abs(values[i]) * 0x1p-11f + 1e-7f));
      }
      // create-only and deterministic: the second put keeps the same bytes
      byte[] before = storage.readAllBytes(o32);
      cache.put(k32, "fbank", e);
      assertThat(storage.readAllBytes(o32)).isEqualTo(before);
    }
  }

  @Test
  void secondPassIsServedFromTheCache() throws IOException {
    Path dataset = Cohorts.small();
    List<Path> files;
    try (Stream<Path> wavs = Files.walk(dataset.resolve("audio"))) {
      files = wavs.filter(p -> p.toString().endsWith(".wav")).sorted().limit(5).toList();
    }
    try (Storage storage = Storage.open(temp.toString())) {
      EmbeddingCache cache = new EmbeddingCache(storage, "emb");
      List<Embedding> first;
      try (Embedder e = new Embedder(EncoderReference.of("fbank"), LayerChoice.weighted(), 2, EncoderOptions.cpu(),
          cache, EmbeddingDtype.FLOAT32)) {
        first = e.embed(files, TrainingListener.NONE);
      }
      assertThat(storage.list("emb/")).hasSize(5);
      assertThat(first.get(0).states()).isEqualTo(1);
      assertThat(first.get(0).hiddenSize()).isEqualTo(80);
      // an encoder that cannot be opened: every embedding must come from the cache
      EncoderReference unopenable = new EncoderReference("/nonexistent/checkpoint", "fbank");
      try (Embedder e = new Embedder(unopenable, LayerChoice.weighted(), 2, EncoderOptions.cpu(), cache,
          EmbeddingDtype.FLOAT32)) {
        List<Embedding> second = e.embed(files, TrainingListener.NONE);
        for (int i = 0; i < files.size(); i++) {
          assertThat(second.get(i).values()).isEqualTo(first.get(i).values());
        }
      }
    }
  }
}
