package io.vocalis.ml.encoders;

import io.vocalis.ml.checkpoint.StateDict;

/**
 * transformers' {@code Wav2Vec2Model} as a DJL block: conv feature encoder (group- or layer-norm
 * variant), feature projection, positional conv embedding, post-LN or stable pre-LN transformer.
 * Reads checkpoints of the bare model or of models with heads ({@code wav2vec2.} prefix, e.g.
 * {@code Wav2Vec2ForCTC}, {@code Wav2Vec2ForPreTraining}); the heads are ignored.
 */
public final class Wav2Vec2Model extends Wav2Vec2FamilyModel {

  private Wav2Vec2Model(Wav2Vec2Config config, EncoderOptions options) {
    super(config, options, Wav2Vec2Modules.Encoder::new);
  }

  /** Builds the model of {@code config} and loads {@code weights} into it. */
  static Wav2Vec2Model load(Wav2Vec2Config config, StateDict weights, EncoderOptions options) {
    Wav2Vec2Model model = new Wav2Vec2Model(config, options);
    try {
      model.load(weights, "wav2vec2.", name -> false);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
