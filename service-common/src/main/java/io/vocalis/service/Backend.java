package io.vocalis.service;

/** An infrastructure part a request needs: while it is down, the request is answered 503 at once. */
public enum Backend {
  /** The storage root ({@code vocalis.storage.root}) must accept writes. */
  STORAGE,
  /** A Kafka broker of {@code kafka.bootstrap.servers} must accept connections. */
  BROKER
}
