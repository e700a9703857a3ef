package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vocalis.ml.encoders.HfEncoderBlock.Forward;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Arrays derived from the weights of a sealed encoder ({@link SpeechEncoder#sealWeights}), whose
 * weights never change again: each is computed on first use and kept, e.g. the stacked
 * query/key/value projection and, where {@link OneDnn} applies, matrices packed into oneDNN's
 * blocked layout (so a product no longer reorders its weight on every call), which replace the
 * weights they come from. Owned by the encoder's manager; safe under concurrent forward passes
 * (each is computed once, and a replaced weight is read only while computing its replacement).
 */
final class SealedWeights {
  private final NDManager manager;
  private final ConcurrentHashMap<Object, NDArray> arrays = new ConcurrentHashMap<>();

  SealedWeights(NDManager manager) {
    this.manager = manager;
  }

  /**
   * The array kept under {@code key}, computed by {@code compute} (which must not call this) the
   * first time and moved to the encoder's manager.
   */
  NDArray get(Object key, Supplier<NDArray> compute) {
    return arrays.computeIfAbsent(key, k -> {
      NDArray a = compute.get();
      a.attach(manager);
      return a;
    });
  }

  /**
   * The matrix a linear layer of {@code x} multiplies by for {@code weight}: where {@link OneDnn}
   * applies, its packed form, made the first time and kept, and the weight's own array is closed
   * (every later pass reads the packed form, so the encoder holds one copy); else the weight's
   * array itself.
   */
  NDArray matrix(Parameter weight, Forward f, NDArray x) {
    return get(weight, () -> {
      NDArray w = f.get(weight, x);
      if (!OneDnn.applies(x, w)) {
        return w;
      }
      NDArray packed = OneDnn.pack(w);
      w.close();
      return packed;
    });
  }
}
