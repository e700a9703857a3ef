package io.vocalis.ml.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** {@link TorchScript}: the archive's layout, and a module written by it runs in libtorch. */
class TorchScriptTest {

  @Test
  void theArchiveIsTorchScriptsLayoutInMemory() throws Exception {
    byte[] archive = TorchScript.archive("SdpaMasked", FusedAttention.MASKED_CALL, "q: Tensor", "k: Tensor",
        "v: Tensor", "mask: Tensor");
    Map<String, String> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        entries.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.ISO_8859_1));
      }
    }

    assertThat(entries.keySet()).containsExactly("archive/data.pkl", "archive/code/__torch__.py",
        "archive/constants.pkl", "archive/version", "archive/byteorder");
    assertThat(entries.get("archive/data.pkl")).startsWith("\u0080\u0002c__torch__\nSdpaMasked\n").endsWith(".");
    assertThat(entries.get("archive/code/__torch__.py")).contains("class SdpaMasked(Module):")
        .contains("    mask: Tensor) -> Tensor:\n")
        .contains("_0 = torch.scaled_dot_product_attention(q, k, v, mask, 0., False, scale=1.)");
    assertThat(entries.get("archive/version")).isEqualTo("3\n");
    assertThat(archive.length).isLessThan(2000);
    assertThat(TorchScript.archive("SdpaMasked", FusedAttention.MASKED_CALL, "q: Tensor", "k: Tensor",
        "v: Tensor", "mask: Tensor")).as("the same bytes every time").isEqualTo(archive);
  }

  @Test
  void aWrittenFunctionRunsItsExpression() {
    PtSymbolBlock addTwice = TorchScript.function("AddTwice", "torch.add(x, y, alpha=2)", "x: Tensor", "y: Tensor");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {1, 2, 3});
      NDArray y = m.create(new float[] {10, 20, 30});
      NDArray out = IValueUtils.forward(addTwice, new NDList(x, y), false).singletonOrThrow();
      assertThat(out.toFloatArray()).containsExactly(21, 42, 63);
    }
  }
}
