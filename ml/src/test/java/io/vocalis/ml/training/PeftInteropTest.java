package io.vocalis.ml.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vocalis.core.storage.Storage;
import io.vocalis.ml.checkpoint.SafetensorsFile;
import io.vocalis.ml.encoders.EncodedRecording;
import io.vocalis.ml.encoders.EncoderOptions;
import io.vocalis.ml.encoders.SpeechEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python loads what a LoRA run exports: a short LoRA run (q, v and both feed-forward layers) on the
 * tiny HuBERT fixture writes {@code models/final/peft/}; {@code peft} of {@code
 * tools/reference/.venv} (made by {@code tools/reference/setup.sh}) puts it on transformers'
 * {@code HubertModel} of the same checkpoint with {@code PeftModel.from_pretrained}, and its last
 * hidden state for each fixture waveform must equal what the model package's own encoder computes
 * in Vocalis, to 2e-4 (the tolerance of the LoRA parity test), while differing from the base
 * model's (the adapters trained away from zero, so a dropped adapter would fail). Skipped when that
 * Python is absent.
 */
class PeftInteropTest {
  private static final Path PYTHON = Path.of("../tools/reference/.venv/bin/python").toAbsolutePath().normalize();
  private static final Path HUBERT = Path.of("src/test/resources/encoders/hubert-group").toAbsolutePath();
  private static final Path WAVES = Path.of("src/test/resources/encoders/waveforms.safetensors").toAbsolutePath();
  private static final float TOLERANCE = 2e-4f;

  private static final String LOAD_PEFT = """
      import sys
      import torch
      from peft import PeftModel
      from safetensors.torch import load_file, save_file
      from transformers import HubertModel, Wav2Vec2FeatureExtractor
      checkpoint, adapter, waves, out = sys.argv[1:5]
      torch.set_num_threads(1)
      extractor = Wav2Vec2FeatureExtractor.from_pretrained(checkpoint)
      model = PeftModel.from_pretrained(HubertModel.from_pretrained(checkpoint), adapter).eval()
      result = {}
      with torch.no_grad():
          for name, wave in sorted(load_file(waves).items()):
              x = extractor(wave.numpy(), sampling_rate=16000, return_tensors="pt").input_values
              result["peft_" + name] = model(input_values=x).last_hidden_state[0].contiguous()
              with model.disable_adapter():
                  result["base_" + name] = model(input_values=x).last_hidden_state[0].contiguous()
      save_file(result, out)
      """;

  @TempDir Path temp;

  @Test
  void peftInPythonComputesWhatTheExportingModelComputes() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no reference Python at " + PYTHON + " (run tools/reference/setup.sh)");
    TrainingConfig config = ConfigLoader.parse("""
        optimizer: {adapter_lr: 0.01}
        training: {epochs: 3, batch_size: 8}
        finetune: {lora: {rank: 4, alpha: 8, targets: [q, v, ff]}}
        """, Map.of("encoder.model", HUBERT.toString()));
    Path run = temp.resolve("run");
    Trainer.run(TrainingJob.start(Cohorts.tiny(), config), run.toString(), TrainingListener.NONE);
    Path adapter = run.resolve("models/final/peft");
    assertThat(adapter.resolve("adapter_config.json")).isNotEmptyFile();

    Path theirs = temp.resolve("peft-outputs.safetensors");
    python(LOAD_PEFT, HUBERT.toString(), adapter.toString(), WAVES.toString(), theirs.toString());

    try (Storage storage = Storage.open(run.toString());
        SpeechEncoder encoder = ModelPackage.read(storage, "models/final").openEncoder(EncoderOptions.cpu());
        SafetensorsFile waves = SafetensorsFile.open(WAVES);
        SafetensorsFile python = SafetensorsFile.open(theirs)) {
      for (String name : waves.names()) {
        EncodedRecording ours = encoder.encode(List.of(waves.tensor(name).toFloats()), false).get(0);
        float[] peft = python.tensor("peft_" + name).toFloats();
        float[] base = python.tensor("base_" + name).toFloats();
        assertThat(ours.last()).as(name).hasSameSizeAs(peft);
        float worst = 0;
        float moved = 0;
        for (int i = 0; i < peft.length; i++) {
          worst = Math.max(worst, Math.abs(ours.last()[i] - peft[i]));
          moved = Math.max(moved, Math.abs(peft[i] - base[i]));
        }
        System.out.printf("%s: |Vocalis - PEFT| <= %.2e, |PEFT - base| up to %.2e%n", name, worst, moved);
        assertThat(worst).as("%s: largest |Vocalis - PEFT|", name).isLessThanOrEqualTo(TOLERANCE);
        assertThat(moved).as("%s: largest |PEFT - base model|", name).isGreaterThan(100 * TOLERANCE);
      }
    }
  }

  private static void python(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("python finished").isTrue();
    assertThat(process.exitValue()).as("python exit status; output: %s", out).isZero();
  }
}
