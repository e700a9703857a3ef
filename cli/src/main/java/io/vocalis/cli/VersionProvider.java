package io.vocalis.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version from the jar manifest (or "dev" when run from classes). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Vocalis.class.getPackage().getImplementationVersion();
    return new String[] {"vocalis " + (version == null ? "dev" : version)};
  }
}
