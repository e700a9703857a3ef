package io.vocalis.ml.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vocalis.ml.OwnedArrays;
import io.vocalis.ml.checkpoint.StateDict;
import io.vocalis.ml.encoders.Wav2Vec2Modules.Attention;
import io.vocalis.ml.encoders.Wav2Vec2Modules.FeedForward;
import io.vocalis.ml.encoders.Wav2Vec2Modules.LayerNormParams;
import io.vocalis.ml.encoders.Wav2Vec2Modules.Prompted;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * transformers' {@code WhisperEncoder} as a DJL block, with {@link WhisperFeatureExtractor} in
 * front: two GELU convolutions (the second with stride 2), learned positions for the whole
 * window, pre-LN transformer layers, final layer norm. Reads {@code
 * WhisperForConditionalGeneration} ({@code model.encoder.}), {@code WhisperModel} ({@code
 * encoder.}) and bare encoder checkpoints; the decoder is ignored.
 *
 * <p>Windows: a recording is cut into consecutive windows of {@code chunk_length} (30 s), the last
 * one padded with silence, and each window is encoded on its own exactly as transformers encodes a
 * window (so outputs never depend on batch mates). Of each window only the frames that hold audio
 * are kept ({@link WhisperConfig#validFrames}: {@code ceil(samples / 320)} at 16 kHz), and the
 * recording's frames are its windows' valid frames in order: a 3 s clip has 150 frames, not the
 * 1500 of its padded window, and a 70 s one 1500 + 1500 + 500. Frames near a window's end see
 * only that window (no overlap), as Whisper itself never sees across windows.
 *
 * <p>As in transformers, {@code hidden_states[N]} is the final-layer-normed {@code
 * last_hidden_state} (Wav2Vec2-style stable-LN models keep the un-normed one there).
 *
 * <p>Training ({@link #forwardStates}) windows recordings the same way and joins each one's
 * windows inside the graph, so gradients reach every window. The front end is the two
 * convolutions and the positions; the positions never train (transformers freezes {@code
 * embed_positions}). Soft prompts are prepended to every window's transformer input after the
 * positions are added: the 1500 learned positions stay with the audio frames they belong to, and
 * the layers themselves (no mask, no relative positions) take any sequence length.
 */
public final class WhisperEncoderModel extends TrainableEncoderBlock {
  private final WhisperConfig config;
  private final WhisperFeatureExtractor featureExtractor;
  private final Parameter conv1Weight;
  private final Parameter conv1Bias;
  private final Parameter conv2Weight;
  private final Parameter conv2Bias;
  private final Parameter positions;
  private final List<EncoderLayer> layers = new ArrayList<>();
  private final LayerNormParams layerNorm;

  private WhisperEncoderModel(WhisperConfig config, EncoderOptions options) {
    super(options);
    this.config = config;
    featureExtractor = new WhisperFeatureExtractor(config);
    Params p = new Params(this, "");
    int d = config.dModel();
    conv1Weight = p.child("conv1").add("weight", d, config.numMelBins(), 3);
    conv1Bias = p.child("conv1").add("bias", d);
    conv2Weight = p.child("conv2").add("weight", d, d, 3);
    conv2Bias = p.child("conv2").add("bias", d);
    positions = p.child("embed_positions").add("weight", config.maxSourcePositions(), d);
    for (int i = 0; i < config.encoderLayers(); i++) {
      layers.add(new EncoderLayer(p.child("layers").child(String.valueOf(i)), config));
    }
    layerNorm = new LayerNormParams(p.child("layer_norm"), d, 1e-5f);
  }

  /** Builds the encoder of {@code config} and loads {@code weights} into it. */
  static WhisperEncoderModel load(WhisperConfig config, StateDict weights, EncoderOptions options) {
    WhisperEncoderModel model = new WhisperEncoderModel(config, options);
    try {
      model.load(weights, List.of("model.encoder.", "encoder.", ""), name -> false);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** The configuration. */
  public WhisperConfig config() {
    return config;
  }

  /** The log-mel front end. */
  public WhisperFeatureExtractor featureExtractor() {
    return featureExtractor;
  }

  @Override
  public String modelType() {
    return "whisper";
  }

  @Override
  public int hiddenSize() {
    return config.dModel();
  }

  @Override
  public int hiddenStateCount() {
    return config.encoderLayers() + 1;
  }

  /** Two mel hops: the second convolution has stride 2. */
  @Override
  public double frameSeconds() {
    return 2.0 * config.hopLength() / 16_000.0;
  }

  @Override
  public int numHiddenLayers() {
    return config.encoderLayers();
  }

  @Override
  public int layerOf(String name) {
    return layerIndex(name, "layers.");
  }

  @Override
  public boolean neverTrains(String name) {
    return name.startsWith("embed_positions.");
  }

  @Override
  public boolean inFrontEnd(String name) {
    return name.startsWith("conv1.") || name.startsWith("conv2.") || name.startsWith("embed_positions.");
  }

  /** The front end: the final layer norm is above the layers (pre-LN). */
  @Override
  public boolean belowFirstLayer(String name) {
    return inFrontEnd(name);
  }

  /**
   * Encodes each recording window by window (see the class comment), at most as many windows at a
   * time as there are recordings.
   */
  @Override
  public List<EncodedRecording> encode(List<float[]> waveforms, boolean allHiddenStates) {
    if (waveforms.isEmpty()) {
      return List.of();
    }
    Windows windows = Windows.of(waveforms, config.windowSamples());
    List<EncodedRecording> encoded = new ArrayList<>();
    for (int start = 0; start < windows.all().size(); start += waveforms.size()) {
      List<float[]> some = windows.all().subList(start, Math.min(windows.all().size(), start + waveforms.size()));
      int[] lengths = new int[some.size()];
      try (NDManager scope = manager().newSubManager()) {
        encoded.addAll(run(prepare(some, lengths, scope), lengths, allHiddenStates));
      }
    }
    List<EncodedRecording> result = new ArrayList<>();
    int next = 0;
    for (int count : windows.counts()) {
      result.add(join(encoded.subList(next, next + count)));
      next += count;
    }
    return result;
  }

  /**
   * All windows of the batch in one forward pass; each recording's states are its windows' valid
   * frames in order (as {@link #encode} gives them), padded with zeros to the longest recording.
   */
  @Override
  public EncoderStates forwardStates(List<float[]> waveforms, NDManager scope, boolean training) {
    Windows windows = Windows.of(waveforms, config.windowSamples());
    int[] lengths = new int[windows.all().size()];
    EncoderStates out = forwardPrepared(prepare(windows.all(), lengths, scope), lengths, scope, training);
    int[] frames = new int[waveforms.size()];
    int next = 0;
    for (int r = 0; r < frames.length; r++) {
      for (int w = 0; w < windows.counts()[r]; w++) {
        frames[r] += out.frames()[next++];
      }
    }
    int longest = Arrays.stream(frames).max().orElse(0);
    List<NDArray> hidden = new ArrayList<>();
    for (NDArray state : out.hiddenStates()) {
      hidden.add(joinStates(state, out.frames(), windows.counts(), longest));
    }
    return new EncoderStates(hidden, joinStates(out.last(), out.frames(), windows.counts(), longest), frames);
  }

  /** (recordings, longest, hidden) from (windows, window frames, hidden) {@code states}. */
  private static NDArray joinStates(NDArray states, int[] windowFrames, int[] counts, int longest) {
    NDList items = new NDList();
    int next = 0;
    for (int count : counts) {
      NDList parts = new NDList();
      int frames = 0;
      for (int w = 0; w < count; w++, next++) {
        parts.add(states.get(next).get(":" + windowFrames[next]));
        frames += windowFrames[next];
      }
      if (frames < longest) {
        parts.add(states.getManager().zeros(new Shape(longest - frames, states.getShape().get(2)), states.getDataType()));
      }
      items.add(parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts));
    }
    return NDArrays.stack(items);
  }

  /**
   * The log-mel features of {@code windows} (each at most one window long), valid mel frames in
   * {@code lengths}.
   */
  @Override
  protected NDArray prepare(List<float[]> windows, int[] lengths, NDManager scope) {
    for (int i = 0; i < lengths.length; i++) {
      if (windows.get(i).length > config.windowSamples()) {
        throw new IllegalArgumentException("window " + i + " has " + windows.get(i).length + " samples, more than "
            + config.windowSamples());
      }
      lengths[i] = config.validMelFrames(windows.get(i).length);
    }
    return featureExtractor.extract(scope, windows).toType(options().dataType(), false);
  }

  /** Recordings cut into windows: every window in order, and how many each recording has. */
  private record Windows(List<float[]> all, int[] counts) {
    static Windows of(List<float[]> waveforms, int window) {
      List<float[]> all = new ArrayList<>();
      int[] counts = new int[waveforms.size()];
      for (int r = 0; r < waveforms.size(); r++) {
        float[] wave = waveforms.get(r);
        counts[r] = Math.max(1, (int) ((wave.length + (long) window - 1) / window));
        for (int w = 0; w < counts[r]; w++) {
          all.add(counts[r] == 1 ? wave
              : Arrays.copyOfRange(wave, w * window, (int) Math.min(wave.length, (long) (w + 1) * window)));
        }
      }
      return new Windows(all, counts);
    }
  }

  /** One recording's windows, their frames in order. */
  private static EncodedRecording join(List<EncodedRecording> windows) {
    if (windows.size() == 1) {
      return windows.get(0);
    }
    EncodedRecording first = windows.get(0);
    int frames = windows.stream().mapToInt(EncodedRecording::frames).sum();
    List<float[]> hidden = new ArrayList<>();
    for (int i = 0; i < first.hiddenStates().size(); i++) {
      int layer = i;
      hidden.add(concat(windows.stream().map(w -> w.hiddenStates().get(layer)).toList()));
    }
    return new EncodedRecording(frames, first.hiddenSize(), hidden,
        concat(windows.stream().map(EncodedRecording::last).toList()));
  }

  private static float[] concat(List<float[]> parts) {
    float[] all = new float[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  /**
   * Encodes log-mel features (batch, mel bins, frames) as the feature extractor makes them; every
   * window counts as full ({@code max_source_positions} frames).
   */
  public List<EncodedRecording> encodeFeatures(NDArray features, boolean allHiddenStates) {
    int[] lengths = new int[(int) features.getShape().get(0)];
    Arrays.fill(lengths, config.melFrames());
    return run(features.toType(options().dataType(), false), lengths, allHiddenStates);
  }

  @Override
  protected NDList forwardBatch(Forward f, NDArray features, int[] lengths) {
    if (features.getShape().get(1) != config.numMelBins() || features.getShape().get(2) != config.melFrames()) {
      throw new IllegalArgumentException("Whisper expects (batch, " + config.numMelBins() + ", "
          + config.melFrames() + ") features, got " + features.getShape());
    }
    NDArray x = scoped(f, features, in -> {
      NDArray h = Nn.gelu(Nn.conv1d(in, f.get(conv1Weight, in), f.get(conv1Bias, in), 1, 1, 1));
      h = Nn.gelu(Nn.conv1d(h, f.get(conv2Weight, h), f.get(conv2Bias, h), 2, 1, 1));
      return h.transpose(0, 2, 1).add(f.get(positions, h));
    });
    Prompted prompted = Prompted.of(f, x, null);
    x = prompted.x();
    HiddenStates states = new HiddenStates(f);
    states.add(x);
    for (EncoderLayer layer : layers) {
      x = scoped(f, x, in -> layer.forward(f, in));
      states.add(x);
    }
    // the final layer norm is part of the last hidden state
    NDArray last = layerNorm.forward(f, x);
    states.replaceNewest(last);
    states.add(last);
    NDList out = new NDList(prompted.strip(states.withLast(last)).toArray(new NDArray[0]));
    int[] frames = new int[lengths.length];
    for (int b = 0; b < lengths.length; b++) {
      frames[b] = (lengths[b] + 1) / 2;
    }
    out.add(OwnedArrays.of(features.getManager(), frames));
    return out;
  }

  /** A pre-LN Whisper encoder layer (the key projection has no bias). */
  static final class EncoderLayer {
    private static final float FP16_LIMIT = 65504f - 1000f;
    private final Attention attention;
    private final LayerNormParams attentionNorm;
    private final FeedForward feedForward;
    private final LayerNormParams finalNorm;

    EncoderLayer(Params p, WhisperConfig c) {
      attention = new Attention(p.child("self_attn"), c.dModel(), c.encoderAttentionHeads(), false);
      attentionNorm = new LayerNormParams(p.child("self_attn_layer_norm"), c.dModel(), 1e-5f);
      feedForward = new FeedForward(p, "fc1", "fc2", c.dModel(), c.encoderFfnDim(), c.activationFunction());
      finalNorm = new LayerNormParams(p.child("final_layer_norm"), c.dModel(), 1e-5f);
    }

    NDArray forward(Forward f, NDArray x) {
      NDArray h = Wav2Vec2Modules.residualLayer(f, x, in -> attention.forward(f, in, null), attentionNorm,
          feedForward, finalNorm, true);
      return h.getDataType() == DataType.FLOAT16 ? h.clip(-FP16_LIMIT, FP16_LIMIT) : h;
    }
  }
}
