package io.vocalis.infer;

import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hears when a request's client closes its connection before the answer was written (it timed
 * out or gave up), so that the work still queued for it can be dropped instead of done for nobody.
 */
final class ClientConnection {
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private ClientConnection() {}

  /** Watches the connection {@code response} will be written to. */
  static ClientConnection of(HttpServerResponse response) {
    ClientConnection connection = new ClientConnection();
    response.closeHandler(ignored -> connection.close());
    if (response.closed()) {
      connection.close();
    }
    return connection;
  }

  /** Runs {@code action} once the client has gone: now if it has already. */
  void onClose(Runnable action) {
    onClose.add(action);
    if (closed) {
      action.run();
    }
  }

  private void close() {
    closed = true;
    onClose.forEach(Runnable::run);
  }
}
