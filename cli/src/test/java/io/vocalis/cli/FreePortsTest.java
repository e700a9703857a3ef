package io.vocalis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void readsTheKernelsEphemeralRange() throws Exception {
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    assumeTrue(Files.isReadable(range), "Linux only");
    String line;
    try (BufferedReader reader = Files.newBufferedReader(range)) {
      line = reader.readLine();
    }
    assertThat(FreePorts.ephemeralLow()).isEqualTo(Integer.parseInt(line.split("\\s+")[0])).isGreaterThan(1024);
  }

  @Test
  void runsHandedOutInOneJvmNeverOverlapEvenBeforeTheyAreBound() throws Exception {
    Set<Integer> seen = new HashSet<>();
    for (int round = 0; round < 200; round++) {
      int first = FreePorts.consecutive(10);
      for (int port = first; port < first + 10; port++) {
        assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
      }
    }
  }

  @Test
  void runsLieBelowTheEphemeralRangeAndCanAllBeBound() throws Exception {
    int ephemeralLow = FreePorts.ephemeralLow();
    for (int round = 0; round < 20; round++) {
      int first = FreePorts.consecutive(5);
      assertThat(first).isGreaterThanOrEqualTo(FreePorts.LOWEST);
      assertThat(first + 5).as("outgoing connections take ports from %d up", ephemeralLow).isLessThanOrEqualTo(ephemeralLow);
      List<ServerSocket> bound = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          ServerSocket socket = new ServerSocket();
          bound.add(socket);
          socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), first + i), 1);
        }
      } finally {
        for (ServerSocket socket : bound) {
          socket.close();
        }
      }
    }
  }
}
