package io.vocalis.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The static API key the demo's services require ({@code VOCALIS_AUTH_API_KEY}): 32 random bytes
 * from {@link SecureRandom}, URL-safe base64, written to {@code <state-dir>/api-key} readable by
 * its owner only (a contract: checks outside the project read it there).
 */
record ApiKey(String value, Path file) {
  /** The environment variable that passes the key to a service process. */
  static final String ENVIRONMENT = "VOCALIS_AUTH_API_KEY";

  /** A fresh key, written atomically to {@code file} with permissions {@code rw-------}. */
  static ApiKey generate(Path file) throws IOException {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Files.createDirectories(file.getParent());
    Path temp = Files.createTempFile(file.getParent(), ".api-key", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(temp, value + "\n", StandardCharsets.US_ASCII);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return new ApiKey(value, file);
  }

  /** The {@code Authorization} header's value. */
  String bearer() {
    return "Bearer " + value;
  }

  @Override
  public String toString() {
    return "ApiKey[" + file + "]";
  }
}
