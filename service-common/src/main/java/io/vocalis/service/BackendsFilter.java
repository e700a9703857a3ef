package io.vocalis.service;

import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Answers a request to an endpoint marked {@link RequiresBackends} with {@code 503}
 * problem+json naming the fault, and {@code Retry-After}, while one of its backends is down
 * (asked of {@link Backends}), instead of letting it fail halfway or wait for timeouts. Runs
 * after authentication, so an unauthenticated caller learns nothing of the infrastructure.
 */
public final class BackendsFilter {
  private static final Backend[] NONE = new Backend[0];

  @Inject Backends backends;

  private final Map<Method, Backend[]> required = new ConcurrentHashMap<>();

  @ServerRequestFilter(priority = Priorities.USER + 100)
  public Optional<Response> guard(ContainerRequestContext request, ResourceInfo resource) {
    Method method = resource.getResourceMethod();
    if (method == null) {
      return Optional.empty();
    }
    for (Backend backend : required.computeIfAbsent(method, BackendsFilter::requiredBy)) {
      Optional<String> fault = backends.fault(backend);
      if (fault.isPresent()) {
        return Optional.of(ProblemMappers.unavailable(fault.get(), request.getUriInfo().getPath()));
      }
    }
    return Optional.empty();
  }

  private static Backend[] requiredBy(Method method) {
    RequiresBackends on = method.getAnnotation(RequiresBackends.class);
    if (on == null) {
      on = method.getDeclaringClass().getAnnotation(RequiresBackends.class);
    }
    return on == null ? NONE : on.value();
  }
}
