package io.vocalis.testkit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: starts a real {@link KafkaBroker} before the application and points
 * {@code kafka.bootstrap.servers} at it. Use with {@code @WithTestResource(KafkaBrokerResource.class)};
 * inject the broker into the test with a field annotated {@link InjectKafkaBroker}.
 */
public final class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

  private KafkaBroker broker;

  @Override
  public Map<String, String> start() {
    broker = KafkaBroker.start();
    return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        broker, new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, KafkaBroker.class));
  }

  @Override
  public void stop() {
    if (broker != null) {
      broker.close();
    }
  }
}
