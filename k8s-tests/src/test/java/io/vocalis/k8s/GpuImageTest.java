package io.vocalis.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the {@code -Pgpu} images tell DJL ({@code PYTORCH_VERSION}, {@code PYTORCH_FLAVOR}, from the
 * parent pom) is what the pinned pytorch-jni can load offline: a JNI library of that flavor for
 * that libtorch version. (The image itself is not built here: no CUDA libtorch is served to these
 * machines; see k8s/README.md.)
 */
class GpuImageTest {
  @Test
  void theGpuImagesFlavorHasAJniLibraryInThePinnedPytorchJni() throws IOException {
    String pom = Files.readString(Kustomize.home().resolve("pom.xml"));
    String flavor = property(pom, "vocalis.image.pytorch-flavor");
    String version = property(pom, "pytorch.native.version");

    ClassLoader loader = getClass().getClassLoader();
    assertThat(loader.getResource("jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so"))
        .as("pytorch-jni %s has no JNI library for flavor %s", property(pom, "pytorch.jni.version"), flavor).isNotNull();
    Properties jni = new Properties();
    try (InputStream in = loader.getResourceAsStream("jnilib/pytorch.properties")) {
      jni.load(in);
    }
    assertThat(jni.getProperty("jni_version")).startsWith(version + "-");
    assertThat(property(pom, "vocalis.image.gpu-base")).contains("cuda:" + flavor.charAt(2) + flavor.charAt(3) + "."
        + flavor.substring(4));
  }

  private static String property(String pom, String name) {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
    assertThat(m.find()).as("property %s in the parent pom", name).isTrue();
    return m.group(1);
  }
}
