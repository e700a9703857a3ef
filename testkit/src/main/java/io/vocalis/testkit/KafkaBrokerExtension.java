package io.vocalis.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension for plain (non-Quarkus) tests: one real {@link KafkaBroker} per test class,
 * injected as a parameter of test, {@code @BeforeAll} or {@code @BeforeEach} methods and closed
 * after the class.
 *
 * <pre>{@code
 * @ExtendWith(KafkaBrokerExtension.class)
 * class MyTest {
 *   @Test void roundTrip(KafkaBroker broker) { ... }
 * }
 * }</pre>
 */
public final class KafkaBrokerExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KafkaBroker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext
        .getStore(NAMESPACE)
        .computeIfAbsent(ClosingBroker.class, k -> new ClosingBroker(), ClosingBroker.class)
        .broker;
  }

  /** Store entry that closes the broker when the class context ends. */
  private static final class ClosingBroker implements AutoCloseable {
    final KafkaBroker broker = KafkaBroker.start();

    @Override
    public void close() {
      broker.close();
    }
  }
}
