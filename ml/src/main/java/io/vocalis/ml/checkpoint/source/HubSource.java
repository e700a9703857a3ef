package io.vocalis.ml.checkpoint.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves {@code hf://} references to snapshot folders of the Hugging Face hub cache ({@link
 * HubCache}), downloading what is missing.
 *
 * <p>Online, a HEAD of config.json at the revision gives the commit; every other file is then asked
 * for at that commit, so one resolve never mixes two commits. Files of a commit never change, so a
 * file already in {@code snapshots/{commit}} or marked in {@code .no_exist/{commit}} is taken from the
 * cache without a request; a revision that is already a commit hash needs no request at all once
 * cached. Downloads of LFS files (etag = sha256) are checked against the etag, all against the
 * announced size; a mismatch leaves nothing in the cache.
 *
 * <p>Offline ({@code HF_HUB_OFFLINE}), the commit comes from {@code refs/{revision}} (or is the
 * revision itself) and only files in the snapshot count.
 */
final class HubSource {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final HubSettings settings;

  /** A source with {@code settings}' cache, endpoint, token and offline mode. */
  HubSource(HubSettings settings) {
    this.settings = settings;
  }

  /** The snapshot folder of {@code repo}, downloaded into the cache unless offline. */
  ResolvedCheckpoint resolve(HubReference repo) {
    HubCache cache = new HubCache(settings.cacheRoot(), repo);
    return settings.offline() ? resolveOffline(repo, cache) : resolveOnline(repo, cache);
  }

  private ResolvedCheckpoint resolveOffline(HubReference repo, HubCache cache) {
    String commit = cache.commitOf(repo.revision()).filter(c -> Files.isDirectory(cache.snapshot(c)))
        .orElseThrow(() -> new CheckpointSourceException(repo + " is not in the Hugging Face cache (no ref or snapshot"
            + " for " + repo.revision() + " under " + cache.repoFolder() + ") and HF_HUB_OFFLINE is set:"
            + " resolve it once with network access, or unset HF_HUB_OFFLINE"));
    String where = repo + " (commit " + commit + ", cached at " + cache.snapshot(commit) + "; HF_HUB_OFFLINE is set)";
    CheckpointFiles.fetch(where, file -> Optional.of(cache.pointer(commit, file)).filter(Files::exists));
    return new ResolvedCheckpoint(cache.snapshot(commit), repo.id(), commit);
  }

  private ResolvedCheckpoint resolveOnline(HubReference repo, HubCache cache) {
    HubClient client = new HubClient(settings, repo);
    String commit = repo.revision();
    HubClient.FileInfo config = null;
    if (!HubCache.isCommit(commit)) {
      config = client.head(repo.revision(), CheckpointFiles.CONFIG).orElseThrow(() -> new CheckpointSourceException(
          repo + " is not a checkpoint: it has no " + CheckpointFiles.CONFIG));
      commit = config.commit();
      cache.writeRef(repo.revision(), commit);
    }
    String pinned = commit;
    HubClient.FileInfo knownConfig = config;
    CheckpointFiles.fetch(repo + " (commit " + commit + ")", file -> fetch(client, cache, repo, pinned, file,
        file.equals(CheckpointFiles.CONFIG) ? knownConfig : null));
    return new ResolvedCheckpoint(cache.snapshot(commit), repo.id(), commit);
  }

  /** {@code file} at {@code commit}: from the cache, else downloaded; empty when the repo lacks it. */
  private Optional<Path> fetch(HubClient client, HubCache cache, HubReference repo, String commit, String file,
      HubClient.FileInfo known) {
    Path pointer = cache.pointer(commit, file);
    if (Files.exists(pointer)) {
      return Optional.of(pointer);
    }
    if (cache.isMarkedMissing(commit, file)) {
      return Optional.empty();
    }
    Optional<HubClient.FileInfo> head = known != null ? Optional.of(known) : client.head(commit, file);
    if (head.isEmpty()) {
      cache.markMissing(commit, file);
      return Optional.empty();
    }
    HubClient.FileInfo info = head.get();
    String where = repo + " (commit " + commit + "), file " + file;
    if (!info.commit().equals(commit)) {
      throw new CheckpointSourceException(where + ": the hub answered for commit " + info.commit());
    }
    if (!cache.hasBlob(info.etag())) {
      cache.storeBlob(info.etag(), incomplete -> verify(client.download(info, commit, file, incomplete), info, where));
    }
    cache.link(commit, file, info.etag());
    return Optional.of(pointer);
  }

  private static void verify(HubClient.Download download, HubClient.FileInfo info, String where) {
    if (info.size() >= 0 && download.size() != info.size()) {
      throw new CheckpointSourceException(where + ": downloaded " + download.size() + " bytes, the hub announced "
          + info.size() + "; nothing was cached");
    }
    if (SHA256.matcher(info.etag()).matches() && !download.sha256().equals(info.etag())) {
      throw new CheckpointSourceException(where + ": the download has sha256 " + download.sha256()
          + ", the hub announced " + info.etag() + "; nothing was cached");
    }
  }
}
