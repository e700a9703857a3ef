package io.vocalis.core.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingKeyTest {
  static final String REC = "ab" + "c".repeat(62);
  static final EmbeddingKey KEY =
      new EmbeddingKey(REC, "sha256:00ff", StateSelection.last(), EmbeddingDtype.FLOAT32, 1);

  @Test
  void theHashIsSha256OfTheCanonicalParts() throws Exception {
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
        ("vocalis-embedding-key-1\n" + REC + "\nsha256:00ff\nlast\nfloat32\n1").getBytes(StandardCharsets.UTF_8)));
    assertThat(KEY.hash()).isEqualTo(expected);
    assertThat(KEY.objectKey("embeddings")).isEqualTo("embeddings/" + expected.substring(0, 2) + "/" + expected
        + ".safetensors");
    assertThat(KEY.announcedKey("embeddings/")).endsWith("/" + expected + ".announced.json");
  }

  @Test
  void everyPartChangesTheKey() {
    List<EmbeddingKey> others = List.of(
        new EmbeddingKey("ab" + "d".repeat(62), "sha256:00ff", StateSelection.last(), EmbeddingDtype.FLOAT32, 1),
        new EmbeddingKey(REC, "fbank", StateSelection.last(), EmbeddingDtype.FLOAT32, 1),
        new EmbeddingKey(REC, "sha256:00ff", StateSelection.all(), EmbeddingDtype.FLOAT32, 1),
        new EmbeddingKey(REC, "sha256:00ff", StateSelection.indices(List.of(12)), EmbeddingDtype.FLOAT32, 1),
        new EmbeddingKey(REC, "sha256:00ff", StateSelection.last(), EmbeddingDtype.FLOAT16, 1),
        new EmbeddingKey(REC, "sha256:00ff", StateSelection.last(), EmbeddingDtype.FLOAT32, 2));
    assertThat(others.stream().map(EmbeddingKey::hash)).doesNotContain(KEY.hash()).doesNotHaveDuplicates();
  }

  @Test
  void indexOrderAndDuplicatesDoNotMatter() {
    StateSelection a = StateSelection.parse("12, 0,6");
    StateSelection b = StateSelection.indices(List.of(0, 6, 12, 6));
    assertThat(a).isEqualTo(b);
    assertThat(a.toString()).isEqualTo("0,6,12");
    assertThat(new EmbeddingKey(REC, "x", a, EmbeddingDtype.FLOAT32, 1).hash())
        .isEqualTo(new EmbeddingKey(REC, "x", b, EmbeddingDtype.FLOAT32, 1).hash());
  }

  @Test
  void metadataDescribesTheKeyAndIsChecked() {
    assertThat(EmbeddingKey.fromMetadata(KEY.metadata())).isEqualTo(KEY);
    var tampered = new java.util.HashMap<>(KEY.metadata());
    tampered.put("states", "all");
    assertThatThrownBy(() -> EmbeddingKey.fromMetadata(tampered)).hasMessageContaining("does not match");
    tampered.remove("implementation");
    assertThatThrownBy(() -> EmbeddingKey.fromMetadata(tampered)).hasMessageContaining("metadata");
  }

  @Test
  void selectionsParseAndRefuseWithTheValue() {
    assertThat(StateSelection.parse("LAST")).isEqualTo(StateSelection.last());
    assertThat(StateSelection.fromJson(List.of(3, 1))).isEqualTo(StateSelection.indices(List.of(1, 3)));
    assertThat(StateSelection.fromJson("all").states(13)).isEqualTo(13);
    assertThat(StateSelection.parse("1,4").states(13)).isEqualTo(2);
    assertThatThrownBy(() -> StateSelection.parse("first")).hasMessageContaining("\"first\"");
    assertThatThrownBy(() -> StateSelection.parse("-1")).hasMessageContaining(">= 0");
    assertThatThrownBy(() -> StateSelection.fromJson(List.of())).hasMessageContaining("[]");
    assertThatThrownBy(() -> StateSelection.parse("2,13").checkAgainst(13)).hasMessageContaining("0..12");
    assertThat(EmbeddingDtype.parse("fp16")).isEqualTo(EmbeddingDtype.FLOAT16);
    assertThatThrownBy(() -> EmbeddingDtype.parse("bf16")).hasMessageContaining("bf16");
  }
}
