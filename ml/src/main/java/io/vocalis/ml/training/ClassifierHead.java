package io.vocalis.ml.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import io.vocalis.ml.OwnedArrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The classifier on top of an encoder's hidden states: optional standardisation, layer choice
 * (one state, or a learned softmax-weighted sum of all of them), masked pooling, an MLP and the
 * output layer. Weights are named as in the model package:
 *
 * <ul>
 *   <li>{@code layer_weights} (states): logits of the layer mix, when it reads several states;
 *   <li>{@code pooling.query} (inputSize): the attention query;
 *   <li>{@code layers.<i>.weight} (out, in), {@code layers.<i>.bias}: hidden layers;
 *   <li>{@code output.weight} (features, in), {@code output.bias} (features) for BCE, or
 *       {@code output.weight} (features, in) and {@code output.step_bias} (features, levels-1)
 *       for CORAL;
 *   <li>buffers {@code normalize.mean} and {@code normalize.std} (states, inputSize), not trained.
 * </ul>
 *
 * Initialisation is seeded: linear layers as PyTorch's default ({@code U(-1/sqrt(in),
 * 1/sqrt(in))} for weights and biases), layer-mix logits 0 (equal weights), the query like a
 * linear weight, CORAL step biases descending from 1 (as coral-pytorch).
 */
public final class ClassifierHead implements AutoCloseable {
  private final HeadSpec spec;
  private final NDManager manager;
  /** The name of the layer mix's logits. */
  static final String LAYER_WEIGHTS = "layer_weights";

  private final Map<String, NDArray> parameters = new LinkedHashMap<>();
  private final Map<String, NDArray> buffers = new LinkedHashMap<>();

  private ClassifierHead(HeadSpec spec, Device device) {
    this.spec = spec;
    this.manager = NDManager.newBaseManager(device);
  }

  /**
   * A freshly initialised head; {@code mean} and {@code std} (states x inputSize) standardise the
   * frames when the spec says so (null otherwise).
   */
  public static ClassifierHead initialize(HeadSpec spec, float[] mean, float[] std, long seed, Device device) {
    ClassifierHead head = new ClassifierHead(spec, device);
    int states = spec.states();
    int in = spec.inputSize();
    if (states > 1) {
      head.put(LAYER_WEIGHTS, new float[states], states);
    }
    if (spec.pooling() == Pooling.ATTENTION) {
      head.put("pooling.query", uniform(seed, "pooling.query", in, in), in);
    }
    in = spec.pooling().outputSize(in);
    for (int i = 0; i < spec.hidden().size(); i++) {
      int out = spec.hidden().get(i);
      head.put("layers." + i + ".weight", uniform(seed, "layers." + i + ".weight", out * in, in), out, in);
      head.put("layers." + i + ".bias", uniform(seed, "layers." + i + ".bias", out, in), out);
      in = out;
    }
    int features = spec.features().size();
    head.put("output.weight", uniform(seed, "output.weight", features * in, in), features, in);
    if (spec.loss() == LossType.CORAL) {
      int steps = spec.levels() - 1;
      float[] bias = new float[features * steps];
      for (int f = 0; f < features; f++) {
        for (int k = 0; k < steps; k++) {
          bias[f * steps + k] = (float) (steps - k) / steps;
        }
      }
      head.put("output.step_bias", bias, features, steps);
    } else {
      head.put("output.bias", uniform(seed, "output.bias", features, in), features);
    }
    head.setNormalization(mean, std);
    return head;
  }

  /**
   * A head with stored weights ({@code values} by name, as {@link #values()} gives them, buffers
   * included).
   *
   * @throws IllegalArgumentException when a weight is missing, unknown or misshapen
   */
  public static ClassifierHead of(HeadSpec spec, Map<String, float[]> values, Device device) {
    ClassifierHead head;
    try (ClassifierHead shape = initialize(spec, spec.normalize() ? new float[spec.states() * spec.inputSize()] : null,
        spec.normalize() ? new float[spec.states() * spec.inputSize()] : null, 0, device)) {
      Map<String, Shape> expected = new LinkedHashMap<>();
      shape.parameters.forEach((k, v) -> expected.put(k, v.getShape()));
      shape.buffers.forEach((k, v) -> expected.put(k, v.getShape()));
      if (!expected.keySet().equals(values.keySet())) {
        throw new IllegalArgumentException("head weights " + values.keySet() + " do not match the spec's "
            + expected.keySet());
      }
      head = new ClassifierHead(spec, device);
      for (Map.Entry<String, Shape> e : expected.entrySet()) {
        float[] v = values.get(e.getKey());
        if (v.length != e.getValue().size()) {
          throw new IllegalArgumentException("head weight " + e.getKey() + " has " + v.length + " values, expected "
              + e.getValue());
        }
        NDArray array = OwnedArrays.of(head.manager, v, e.getValue());
        (shape.parameters.containsKey(e.getKey()) ? head.parameters : head.buffers).put(e.getKey(), array);
      }
    }
    return head;
  }

  private void setNormalization(float[] mean, float[] std) {
    if (!spec.normalize()) {
      return;
    }
    long n = (long) spec.states() * spec.inputSize();
    if (mean == null || std == null || mean.length != n || std.length != n) {
      throw new IllegalArgumentException("normalisation needs states x inputSize means and deviations");
    }
    buffers.put("normalize.mean", OwnedArrays.of(manager, mean, new Shape(spec.states(), spec.inputSize())));
    buffers.put("normalize.std", OwnedArrays.of(manager, std, new Shape(spec.states(), spec.inputSize())));
  }

  private static float[] uniform(long seed, String name, int count, int fanIn) {
    SeededRandom random = SeededRandom.of(seed, "init:" + name);
    float bound = (float) (1 / Math.sqrt(fanIn));
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (random.nextFloat() * 2 - 1) * bound;
    }
    return values;
  }

  private void put(String name, float[] values, long... shape) {
    parameters.put(name, OwnedArrays.of(manager, values, new Shape(shape)));
  }

  /** The spec. */
  public HeadSpec spec() {
    return spec;
  }

  /** Trainable weights by name, in a fixed order. */
  public Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** Every weight and buffer as float32 values, by name (parameters first). */
  public Map<String, float[]> values() {
    Map<String, float[]> out = new LinkedHashMap<>();
    parameters.forEach((k, v) -> out.put(k, v.toFloatArray()));
    buffers.forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  /** The shapes of {@link #values()}. */
  public Map<String, long[]> shapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    parameters.forEach((k, v) -> out.put(k, v.getShape().getShape()));
    buffers.forEach((k, v) -> out.put(k, v.getShape().getShape()));
    return out;
  }

  /**
   * The forward pass for inference (no dropout). Results live in {@code states}' manager.
   *
   * @param states (batch, states, time, inputSize) hidden states, padded on the right
   * @param mask (batch, time), 1 for valid frames
   */
  public Output forward(NDArray states, NDArray mask) {
    return pool(frames(states), mask, null);
  }

  /**
   * The training forward pass, drawing dropout masks from {@code dropout} (null: none). A float32
   * batch that takes no gradient (cached embeddings) is standardised in place: it must be used for
   * nothing else.
   */
  Output forward(NDArray states, NDArray mask, DropoutSource dropout) {
    return pool(frames(states, states.getDataType() == DataType.FLOAT32 && !states.hasGradient()), mask, dropout);
  }

  /** Pools the frames {@code x} and classifies the pooled vectors. */
  private Output pool(NDArray x, NDArray mask, DropoutSource dropout) {
    NDArray attention = null;
    NDArray h = switch (spec.pooling()) {
      case MEAN -> MaskedPooling.mean(x, mask);
      case MAX -> MaskedPooling.max(x, mask);
      case STATS -> MaskedPooling.meanAndStd(x, mask);
      case ATTENTION -> {
        attention = MaskedPooling.attentionWeights(x, parameters.get("pooling.query"), mask);
        yield MaskedPooling.weightedSum(x, attention);
      }
    };
    return new Output(classify(h, dropout), attention);
  }

  /**
   * The frames the pooling reads: standardised and, when the head reads several states, mixed.
   * Results live in {@code states}' manager; nothing is left in the head's, so concurrent passes
   * over one head share nothing mutable.
   *
   * @param states (batch, states, time, inputSize)
   * @return (batch, time, inputSize)
   */
  public NDArray frames(NDArray states) {
    return frames(states, false);
  }

  /** {@link #frames(NDArray)}, standardising {@code states} in place if {@code inPlace}. */
  private NDArray frames(NDArray states, boolean inPlace) {
    NDArray x = states;
    if (spec.normalize()) {
      Shape s = new Shape(1, spec.states(), 1, spec.inputSize());
      NDArray mean = local(buffers.get("normalize.mean").reshape(s), x);
      x = inPlace ? x.subi(mean) : x.sub(mean);
      x.divi(local(buffers.get("normalize.std").reshape(s), x));
    }
    if (spec.states() > 1) {
      // zeros + logits keeps the mix (and its graph) in the batch's manager, not the head's
      NDArray logits = x.getManager().zeros(new Shape(spec.states())).add(parameters.get(LAYER_WEIGHTS));
      return x.mul(logits.softmax(0).reshape(1, spec.states(), 1, 1)).sum(new int[] {1});
    }
    return x.squeeze(1);
  }

  /**
   * The logits of pooled vectors, for inference (no dropout); results live in {@code pooled}'s manager.
   *
   * @param pooled (batch, pooling output size)
   */
  public NDArray classify(NDArray pooled) {
    return classify(pooled, null);
  }

  private NDArray classify(NDArray pooled, DropoutSource dropout) {
    NDArray h = pooled;
    for (int i = 0; i < spec.hidden().size(); i++) {
      h = dropout(h, dropout);
      h = Linear.linear(h, parameters.get("layers." + i + ".weight"), parameters.get("layers." + i + ".bias"))
          .singletonOrThrow();
      h = switch (spec.activation()) {
        case RELU -> Activation.relu(h);
        case GELU -> Activation.gelu(h);
        case TANH -> h.tanh();
      };
    }
    h = dropout(h, dropout);
    if (spec.loss() == LossType.CORAL) {
      NDArray score = Linear.linear(h, parameters.get("output.weight")).singletonOrThrow();
      return score.expandDims(2).add(local(parameters.get("output.step_bias").expandDims(0), score));
    }
    return Linear.linear(h, parameters.get("output.weight"), parameters.get("output.bias")).singletonOrThrow();
  }

  /** {@code derived}, a view of one of the head's arrays, moved into {@code like}'s manager. */
  static NDArray local(NDArray derived, NDArray like) {
    derived.attach(like.getManager());
    return derived;
  }

  private NDArray dropout(NDArray h, DropoutSource source) {
    if (source == null || spec.dropout() == 0) {
      return h;
    }
    return h.mul(source.mask(h.getManager(), h.getShape(), spec.dropout()));
  }

  /** P(present) per item and feature, (batch, features), from {@link Output#logits()}. */
  public NDArray presentProbability(NDArray logits) {
    return Activation.sigmoid(presentLogits(logits));
  }

  /** The logit of P(present) per item and feature, (batch, features), from {@link Output#logits()}. */
  public NDArray presentLogits(NDArray logits) {
    return spec.loss() == LossType.CORAL ? logits.get(":, :, " + spec.presentStep()) : logits;
  }

  /**
   * The training loss of {@code logits}: masked BCE on {@code targets} (with {@code posWeight},
   * null for none) or CORAL on {@code ratings}.
   */
  public NDArray loss(NDArray logits, NDArray targets, NDArray ratings, NDArray mask, NDArray posWeight) {
    return spec.loss() == LossType.CORAL
        ? Losses.coral(logits, ratings, mask)
        : Losses.maskedBce(logits, targets, mask, posWeight);
  }

  @Override
  public void close() {
    manager.close();
  }

  /**
   * What the head computed for a batch.
   *
   * @param logits (batch, features) for BCE, (batch, features, levels-1) for CORAL
   * @param attention (batch, time) attention weights per frame (0 on padding); null unless the
   *     pooling is attention
   */
  public record Output(NDArray logits, NDArray attention) {}

  /** Dropout masks: 0 with probability p, else 1/(1-p). */
  @FunctionalInterface
  interface DropoutSource {
    /** A mask of {@code shape} in {@code manager}. */
    NDArray mask(NDManager manager, Shape shape, double p);

    /** Masks drawn from {@code random}, in call order. */
    static DropoutSource of(SeededRandom random) {
      return (manager, shape, p) -> {
        float[] values = new float[Math.toIntExact(shape.size())];
        float keep = (float) (1 / (1 - p));
        for (int i = 0; i < values.length; i++) {
          values[i] = random.nextDouble() < p ? 0f : keep;
        }
        return OwnedArrays.of(manager, values, shape);
      };
    }
  }
}
