package io.vocalis.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code vocalis kafka start|stop|status}: the local broker used by the demo. */
@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a real single-node Apache Kafka broker (KRaft) as a local background process.",
      "Its jars come from Maven; data stays under the state dir between runs."
    })
final class KafkaCommand implements Callable<Integer> {

  enum Action {
    start,
    stop,
    status
  }

  @Parameters(index = "0", paramLabel = "ACTION", description = "start, stop or status")
  Action action;

  @Mixin LocalOptions local;

  @Override
  public Integer call() throws Exception {
    LocalKafka kafka = local.kafka();
    switch (action) {
      case start -> {
        boolean started = kafka.start(Duration.ofSeconds(60));
        System.out.println(
            (started ? "kafka started at " : "kafka already running at ") + kafka.bootstrapServers()
                + " (log: " + kafka.logFile() + ")");
        return 0;
      }
      case stop -> {
        System.out.println(kafka.stop(Duration.ofSeconds(30)) ? "kafka stopped" : "kafka was not running");
        return 0;
      }
      case status -> {
        if (kafka.isReady()) {
          System.out.println(
              "kafka running at " + kafka.bootstrapServers() + ", pid " + kafka.process().orElseThrow().pid());
          return 0;
        }
        System.out.println("kafka not running");
        return 3;
      }
    }
    throw new IllegalStateException("unhandled action " + action);
  }
}
