package io.vocalis.testkit;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A configuration mapping interface with some of its values replaced: for a test that builds a
 * second instance of a service bean (another replica) beside the application's own.
 */
public final class ConfigOverride {
  private ConfigOverride() {}

  /**
   * {@code config} with each no-argument method named in {@code answers} returning the given value
   * instead; every other call goes to {@code config}.
   */
  public static <T> T of(Class<T> type, T config, Map<String, Object> answers) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> answers.containsKey(method.getName()) && method.getParameterCount() == 0
            ? answers.get(method.getName()) : method.invoke(config, args)));
  }
}
