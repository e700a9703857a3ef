package io.vocalis.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds runs of consecutive free loopback ports (for local brokers and services started by tests and
 * benchmarks). The ports lie below the kernel's ephemeral range: a port from that range can be taken
 * as the local end of some outgoing connection (a Kafka client's, say) between the check and the
 * moment a service binds it. No port is handed out twice in one JVM, so two runs asked for before
 * either is bound never overlap.
 */
final class FreePorts {
  static final int LOWEST = 10_000;
  private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private FreePorts() {}

  /** The first port of {@code count} consecutive ports that are free right now. */
  static synchronized int consecutive(int count) throws IOException {
    int ephemeralLow = ephemeralLow();
    int ceiling = ephemeralLow - count > LOWEST ? ephemeralLow : 65_536;
    for (int attempt = 0; attempt < 200; attempt++) {
      int first = ThreadLocalRandom.current().nextInt(LOWEST, ceiling - count);
      if (!handedOut(first, count) && allFree(first, count)) {
        for (int i = 0; i < count; i++) {
          HANDED_OUT.add(first + i);
        }
        return first;
      }
    }
    throw new IOException("no run of " + count + " free ports found between " + LOWEST + " and " + ceiling);
  }

  /** The lowest port the kernel hands out to outgoing connections (Linux), else the IANA default. */
  static int ephemeralLow() {
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    try {
      // readAllLines, not readString: procfs reports a size that readString trusts and cuts short.
      String[] bounds = Files.readAllLines(range).get(0).trim().split("\\s+");
      return Integer.parseInt(bounds[0]);
    } catch (IOException | RuntimeException unreadable) {
      return DEFAULT_EPHEMERAL_LOW;
    }
  }

  private static boolean handedOut(int first, int count) {
    for (int i = 0; i < count; i++) {
      if (HANDED_OUT.contains(first + i)) {
        return true;
      }
    }
    return false;
  }

  private static boolean allFree(int first, int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        held.add(socket);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), first + i), 1);
      }
      return true;
    } catch (IOException busy) {
      return false;
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing a probe socket: nothing to do
        }
      }
    }
  }
}
