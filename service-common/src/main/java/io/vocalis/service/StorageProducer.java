package io.vocalis.service;

import io.vocalis.core.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.URI;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes the configured {@link Storage} ({@code vocalis.storage.root}) injectable. */
@ApplicationScoped
public class StorageProducer {

  @ConfigProperty(name = "vocalis.storage.root")
  URI root;

  @Produces
  @Singleton
  Storage storage() {
    return Storage.open(root);
  }

  void close(@Disposes Storage storage) {
    storage.close();
  }
}
