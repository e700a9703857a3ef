package io.vocalis.core.storage;

import java.io.IOException;
import java.io.OutputStream;

/** Streams the content of an object being written; see {@link Storage#write(String, WriteCondition, OutputWriter)}. */
@FunctionalInterface
public interface OutputWriter {

  /**
   * Writes the whole content to {@code out}. Throwing aborts the write: nothing becomes visible.
   * Closing {@code out} is allowed and has no effect beyond a flush.
   */
  void writeTo(OutputStream out) throws IOException;
}
