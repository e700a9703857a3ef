package io.vocalis.ml.encoders;

import io.vocalis.ml.checkpoint.StateDict;

/**
 * transformers' {@code HubertModel} as a DJL block: the Wav2Vec2 architecture with an optional
 * feature-projection layer norm ({@code feat_proj_layer_norm}) and an optional batch-normed
 * positional convolution ({@code conv_pos_batch_norm}). Reads bare and {@code hubert.}-prefixed
 * checkpoints (e.g. {@code HubertForCTC}); heads are ignored.
 */
public final class HubertModel extends Wav2Vec2FamilyModel {

  private HubertModel(Wav2Vec2Config config, EncoderOptions options) {
    super(config, options, Wav2Vec2Modules.Encoder::new);
  }

  /** Builds the model of {@code config} and loads {@code weights} into it. */
  static HubertModel load(Wav2Vec2Config config, StateDict weights, EncoderOptions options) {
    HubertModel model = new HubertModel(config, options);
    try {
      model.load(weights, "hubert.", name -> name.endsWith("batch_norm.num_batches_tracked"));
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
