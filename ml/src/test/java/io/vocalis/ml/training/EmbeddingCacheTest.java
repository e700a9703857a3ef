package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.vocalis.core.storage.Storage;
import io.vocalis.ml.encoders.EncoderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache keys and hits: content, encoder and layer make the key; a hit never opens the encoder. */
class EmbeddingCacheTest {
  @TempDir Path temp;

  @Test
  void keysSeparateContentEncoderAndLayer() {
    String k = EmbeddingCache.key("abc", "fbank", LayerChoice.last());
    assertThat(k).hasSize(64).isEqualTo(EmbeddingCache.key("abc", "fbank", LayerChoice.last()));
    assertThat(List.of(EmbeddingCache.key("abd", "fbank", LayerChoice.last()),
        EmbeddingCache.key("abc", "sha256:00", LayerChoice.last()),
        EmbeddingCache.key("abc", "fbank", LayerChoice.index(0)),
        EmbeddingCache.key("abc", "fbank", LayerChoice.weighted()))).doesNotContain(k).doesNotHaveDuplicates();
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
          cache)) {
        first = e.embed(files, TrainingListener.NONE);
      }
      assertThat(storage.list("emb/")).hasSize(5);
      assertThat(first.get(0).states()).isEqualTo(1);
      assertThat(first.get(0).hiddenSize()).isEqualTo(80);
      // an encoder that cannot be opened: every embedding must come from the cache
      EncoderReference unopenable = new EncoderReference("/nonexistent/checkpoint", "fbank");
      try (Embedder e = new Embedder(unopenable, LayerChoice.weighted(), 2, EncoderOptions.cpu(), cache)) {
        List<Embedding> second = e.embed(files, TrainingListener.NONE);
        for (int i = 0; i < files.size(); i++) {
          assertThat(second.get(i).values()).isEqualTo(first.get(i).values());
        }
      }
    }
  }
}
