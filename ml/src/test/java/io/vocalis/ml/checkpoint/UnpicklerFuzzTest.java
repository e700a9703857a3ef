package io.vocalis.ml.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzzes {@link RestrictedUnpickler} from the {@code data.pkl} of the checkpoint fixtures
 * and the malformed pickles kept as regression inputs (in {@code UnpicklerFuzzTestInputs/}): every
 * input is read or refused with a {@link CheckpointException} naming the source; nothing else
 * escapes (no stack overflow, index, cast or allocation error, no endless copying). The suite fuzzes
 * for a bounded time (the surefire execution {@code fuzz}); without {@code JAZZER_FUZZ} it replays
 * the inputs only.
 */
class UnpicklerFuzzTest {
  private static final String SOURCE = "fuzzed.bin (archive/data.pkl)";

  @FuzzTest(maxDuration = "12s")
  void readsOrRefusesNamingTheSource(byte[] pickle) {
    try {
      RestrictedUnpickler.stateDict(RestrictedUnpickler.read(pickle, SOURCE), SOURCE);
    } catch (CheckpointException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith(SOURCE + ": ")) {
        throw new AssertionError("a refusal that does not name the file: " + e.getMessage(), e);
      }
    }
  }
}
