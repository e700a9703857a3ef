package io.vocalis.service;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a write endpoint that cannot do its work while one of {@link #value()} is down: {@link
 * BackendsFilter} then answers {@code 503} problem+json naming the fault, with {@code Retry-After},
 * before the endpoint runs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresBackends {
  /** The backends the endpoint writes to. */
  Backend[] value();
}
