package io.vocalis.core.storage;

/** A key (or list prefix) was refused because it is malformed or would escape the storage root. */
public final class IllegalKeyException extends IllegalArgumentException {

  private final String key;
  private final String reason;

  /** {@code key} is refused because of {@code reason}. */
  public IllegalKeyException(String key, String reason) {
    super("Illegal storage key " + Keys.display(key) + ": " + reason);
    this.key = key;
    this.reason = reason;
  }

  /** The refused key, as given. */
  public String key() {
    return key;
  }

  /** Why the key was refused. */
  public String reason() {
    return reason;
  }
}
