package io.vocalis.core.storage;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Hands a stream to an {@link OutputWriter} without letting it close the stream: close only flushes. */
final class NonClosingOutputStream extends FilterOutputStream {

  NonClosingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
