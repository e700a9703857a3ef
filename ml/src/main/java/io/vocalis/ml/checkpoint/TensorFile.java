package io.vocalis.ml.checkpoint;

import java.io.Closeable;
import java.util.Set;

/** One file of named tensors (safetensors or a torch.save zip), read on demand. */
interface TensorFile extends Closeable {
  /** The tensor names in the file. */
  Set<String> names();

  /** The named tensor. */
  StoredTensor tensor(String name);
}
