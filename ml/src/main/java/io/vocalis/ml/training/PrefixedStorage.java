package io.vocalis.ml.training;

import io.vocalis.core.storage.ObjectInfo;
import io.vocalis.core.storage.OutputWriter;
import io.vocalis.core.storage.Storage;
import io.vocalis.core.storage.WriteCondition;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The part of a storage under a key prefix, as a storage of its own (a cross-validation fold's run
 * folder inside the cross-validation's). Closing it leaves the outer storage open.
 */
final class PrefixedStorage implements Storage {
  private final Storage outer;
  private final String prefix;
  private final URI root;

  /** The keys of {@code outer} under {@code folder} (no trailing slash). */
  PrefixedStorage(Storage outer, String folder) {
    this.outer = outer;
    this.prefix = folder + "/";
    this.root = URI.create(outer.uri(folder) + "/");
  }

  @Override
  public URI root() {
    return root;
  }

  @Override
  public URI uri(String key) {
    return outer.uri(prefix + key);
  }

  @Override
  public String key(URI uri) {
    String key = outer.key(uri);
    if (!key.startsWith(prefix)) {
      throw new IllegalArgumentException(uri + " is not under " + root());
    }
    return key.substring(prefix.length());
  }

  @Override
  public InputStream openRead(String key) {
    return outer.openRead(prefix + key);
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    return outer.stat(prefix + key).map(this::inner);
  }

  @Override
  public ObjectInfo write(String key, WriteCondition condition, OutputWriter body) {
    return inner(outer.write(prefix + key, condition, body));
  }

  @Override
  public List<ObjectInfo> list(String keyPrefix) {
    return outer.list(prefix + keyPrefix).stream().map(this::inner).toList();
  }

  @Override
  public boolean delete(String key) {
    return outer.delete(prefix + key);
  }

  @Override
  public void checkAvailable() {
    outer.checkAvailable();
  }

  @Override
  public void close() {}

  private ObjectInfo inner(ObjectInfo info) {
    return new ObjectInfo(info.key().substring(prefix.length()), info.uri(), info.size(), info.version());
  }
}
