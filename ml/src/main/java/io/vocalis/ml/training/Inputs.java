package io.vocalis.ml.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.encoders.EncoderStates;
import io.vocalis.ml.encoders.TrainableEncoderBlock;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/** Where a batch's hidden states come from: cached embeddings, or the encoder itself. */
interface Inputs {
  /**
   * The hidden states of {@code rows} in {@code scope}, padded on the right.
   *
   * @param training whether gradients will be taken through them
   */
  States states(List<Integer> rows, NDManager scope, boolean training);

  /**
   * A batch's inputs to the head.
   *
   * @param states (batch, states, time, hidden), float32
   * @param frames (batch, time), 1 for valid frames
   */
  record States(NDArray states, NDArray frames) {}

  /** Inputs from embeddings held in memory (a few files to predict, benchmarks). */
  static Inputs cached(List<Embedding> embeddings) {
    return padded(row -> embeddings.get(row).frames(), embeddings::get);
  }

  /** Inputs from the cache, read batch by batch (head-only runs). */
  static Inputs cached(CachedEmbeddings embeddings) {
    return padded(embeddings::frames, embeddings::get);
  }

  /**
   * Inputs that pad each batch's embeddings on the right, taking them one at a time and writing
   * each straight into the batch array's memory (so only that array is held); {@code frames} gives
   * a row's length without its values.
   */
  private static Inputs padded(IntUnaryOperator frames, IntFunction<Embedding> embedding) {
    return (rows, scope, training) -> {
      int[] lengths = rows.stream().mapToInt(frames::applyAsInt).toArray();
      int longest = Arrays.stream(lengths).max().orElseThrow();
      int shortest = Arrays.stream(lengths).min().orElseThrow();
      Embedding first = embedding.apply(rows.get(0));
      int states = first.states();
      int hidden = first.hiddenSize();
      int b = rows.size();
      float[] padding = new float[(longest - shortest) * hidden];
      float[] mask = new float[b * longest];
      NDArray values = OwnedArrays.filled(scope, new Shape(b, states, longest, hidden), DataType.FLOAT32, bytes -> {
        FloatBuffer out = bytes.asFloatBuffer();
        for (int i = 0; i < b; i++) {
          Embedding e = i == 0 ? first : embedding.apply(rows.get(i));
          int frameValues = e.frames() * hidden;
          for (int s = 0; s < states; s++) {
            out.put(e.values(), s * frameValues, frameValues).put(padding, 0, (longest - e.frames()) * hidden);
          }
          Arrays.fill(mask, i * longest, i * longest + e.frames(), 1f);
        }
      });
      return new States(values, OwnedArrays.of(scope, mask, new Shape(b, longest)));
    };
  }

  /**
   * Inputs computed by {@code encoder} from the 16 kHz waveforms of each row, in every step
   * (fine-tuning); the layer choice picks the states.
   */
  static Inputs encoded(TrainableEncoderBlock encoder, List<float[]> waveforms, LayerChoice layer) {
    return (rows, scope, training) -> {
      EncoderStates out = encoder.forwardStates(rows.stream().map(waveforms::get).toList(), scope, training);
      NDArray states = switch (layer.kind()) {
        case LAST -> out.last().expandDims(1);
        case INDEX -> out.hiddenStates().get(layer.index()).expandDims(1);
        case WEIGHTED -> NDArrays.stack(new NDList(out.hiddenStates().toArray(new NDArray[0])), 1);
      };
      int time = (int) states.getShape().get(2);
      float[] mask = new float[rows.size() * time];
      for (int i = 0; i < rows.size(); i++) {
        Arrays.fill(mask, i * time, i * time + out.frames()[i], 1f);
      }
      // float16 states reach the float32 head by type promotion (a cast would cut the graph)
      NDArray head = states.getDataType() == DataType.FLOAT32 ? states : states.add(scope.zeros(new Shape(1)));
      return new States(head, OwnedArrays.of(scope, mask, new Shape(rows.size(), time)));
    };
  }
}
