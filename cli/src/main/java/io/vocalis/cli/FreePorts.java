package io.vocalis.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Finds runs of consecutive free loopback ports (for local brokers and services started by tests and benchmarks). */
final class FreePorts {
  private FreePorts() {}

  /** The first port of {@code count} consecutive ports that are free right now. */
  static int consecutive(int count) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int first;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        first = probe.getLocalPort();
      }
      if (first + count > 65535) {
        continue;
      }
      List<ServerSocket> held = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          held.add(new ServerSocket(first + i, 1, InetAddress.getLoopbackAddress()));
        }
        return first;
      } catch (IOException busy) {
        // try another run
      } finally {
        for (ServerSocket socket : held) {
          socket.close();
        }
      }
    }
    throw new IOException("no run of " + count + " free ports found");
  }
}
