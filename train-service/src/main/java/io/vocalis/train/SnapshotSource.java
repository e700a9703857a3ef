package io.vocalis.train;

import io.vocalis.ml.training.DatasetLocation;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A dataset snapshot in the platform's storage, named by its content hash: the recordings ingested
 * (with their ratings revisions) that a filter selected, as {@code vocalis train --snapshot} reads it.
 *
 * @param hash the snapshot's content hash
 * @param storage the storage root it and its recordings are in
 * @param filter the request's filter when the run created the snapshot; null when it named the hash
 */
public record SnapshotSource(String hash, URI storage, Object filter) implements DatasetSource {

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> described = new LinkedHashMap<>();
    if (filter != null) {
      described.put("filter", filter);
    }
    described.put("snapshot", hash);
    return described;
  }

  @Override
  public String snapshot() {
    return hash;
  }

  @Override
  public DatasetLocation location() {
    return new DatasetLocation(null, hash, storage);
  }
}
