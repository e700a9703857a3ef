package io.vocalis.ml.checkpoint.source;

import java.util.regex.Pattern;

/**
 * A model repo on the Hugging Face hub at a revision, parsed from {@code hf://org/name[@revision]}
 * ({@code hf://name} for the few repos without an owner).
 *
 * @param repoId {@code org/name} (or {@code name})
 * @param revision a branch, tag or commit hash; {@value #DEFAULT_REVISION} when not given
 */
record HubReference(String repoId, String revision) {
  static final String SCHEME_PREFIX = "hf://";
  static final String DEFAULT_REVISION = "main";

  /** The hub's rule for a repo name part: word characters, '-' and '.', starting and ending with a word character. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");

  /** Parses {@code hf://org/name[@revision]}. */
  static HubReference parse(String reference) {
    if (!reference.startsWith(SCHEME_PREFIX)) {
      throw new CheckpointSourceException(reference + " is not a hub reference (hf://org/name[@revision])");
    }
    String rest = reference.substring(SCHEME_PREFIX.length());
    int at = rest.indexOf('@');
    String repoId = at < 0 ? rest : rest.substring(0, at);
    String revision = at < 0 ? DEFAULT_REVISION : rest.substring(at + 1);
    String[] parts = repoId.split("/", -1);
    boolean valid = parts.length <= 2 && repoId.length() <= 96 && !repoId.contains("--") && !repoId.contains("..");
    for (String part : parts) {
      valid &= NAME.matcher(part).matches();
    }
    if (!valid) {
      throw new CheckpointSourceException(reference + ": \"" + repoId + "\" is not a hub repo id (org/name)");
    }
    CheckpointFiles.checkRelative(revision, reference + ": revision");
    return new HubReference(repoId, revision);
  }

  /** The repo's folder in the hub cache: {@code models--org--name}. */
  String cacheFolderName() {
    return "models--" + repoId.replace("/", "--");
  }

  /** {@code hf://org/name}, the checkpoint id without the revision. */
  String id() {
    return SCHEME_PREFIX + repoId;
  }

  @Override
  public String toString() {
    return id() + "@" + revision;
  }
}
