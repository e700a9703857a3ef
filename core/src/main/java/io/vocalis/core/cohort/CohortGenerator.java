package io.vocalis.core.cohort;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vocalis.core.audio.WavWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Stream;

/**
 * Writes a synthetic cohort as a dataset folder:
 *
 * <pre>
 * DIR/
 *   metadata.csv   file,speaker_id,task,&lt;feature...&gt;: ratings 0..4, blank = not rated
 *   truth.csv      file,speaker_id,sex,age,f0_hz,...,&lt;feature...&gt;: severities 0..1
 *   cohort.json    the specification, to regenerate the same bytes
 *   audio/&lt;speaker&gt;/&lt;speaker&gt;_uNN.wav
 * </pre>
 *
 * <p>Every file is written under a temporary name and renamed into place; {@code metadata.csv}
 * comes last, so a folder with a {@code metadata.csv} is complete. Recordings are rendered in
 * parallel, each from its own seed, so the bytes do not depend on the number of threads.
 */
public final class CohortGenerator {

  /** Files and folders the generator owns in the output folder (removed when overwriting). */
  private static final List<String> OUTPUTS =
      List.of("metadata.csv", "truth.csv", "cohort.json", "audio");

  private final CohortSpec spec;
  private final int threads;

  /**
   * @param spec what to generate
   * @param threads rendering threads, at least 1 (does not change the output)
   */
  public CohortGenerator(CohortSpec spec, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    this.spec = spec;
    this.threads = threads;
  }

  /**
   * Generates the cohort into {@code dir}.
   *
   * @param dir output folder, created when missing
   * @param overwrite when false, a non-empty {@code dir} is refused; when true, the generator's own
   *     outputs there ({@code metadata.csv}, {@code truth.csv}, {@code cohort.json}, {@code
   *     audio/}) are deleted first and any other file is left alone
   * @throws DirectoryNotEmptyException when {@code dir} has files and {@code overwrite} is false
   */
  public CohortSummary generate(Path dir, boolean overwrite) throws IOException {
    long start = System.nanoTime();
    prepare(dir, overwrite);
    CohortPlan plan = CohortPlan.create(spec);
    SpeechSynthesizer synth = new SpeechSynthesizer(spec.sampleRate(), spec.seconds());
    WavWriter wav = new WavWriter(spec.sampleRate(), spec.channels(), spec.encoding());
    for (SpeakerTraits s : plan.speakers()) {
      Files.createDirectories(dir.resolve("audio").resolve(s.id()));
    }

    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads());
    try {
      List<Future<?>> done = new ArrayList<>();
      for (CohortPlan.Recording r : plan.recordings()) {
        done.add(pool.submit(() -> render(synth, wav, dir, r)));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while generating " + dir, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException("generating " + dir + " failed: " + cause, cause);
    } finally {
      pool.shutdownNow();
    }

    AtomicFiles.write(dir.resolve("truth.csv"), truth(plan));
    AtomicFiles.write(dir.resolve("cohort.json"), specJson());
    AtomicFiles.write(dir.resolve("metadata.csv"), metadata(plan));

    double seconds = (double) plan.recordings().size() * synth.samples() / spec.sampleRate();
    return new CohortSummary(
        dir,
        plan.recordings().size(),
        seconds,
        prevalence(plan),
        (System.nanoTime() - start) / 1e9);
  }

  private void render(SpeechSynthesizer synth, WavWriter wav, Path dir, CohortPlan.Recording r) {
    float[] mono = synth.render(r.speaker(), r.severities(), r.textSeed(), r.voiceSeed());
    try {
      AtomicFiles.write(dir.resolve(r.file()), wav.toBytes(interleave(mono)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Channel c is the signal delayed by c samples and attenuated, as from a second microphone. */
  private float[] interleave(float[] mono) {
    int channels = spec.channels();
    if (channels == 1) {
      return mono;
    }
    float[] out = new float[mono.length * channels];
    for (int c = 0; c < channels; c++) {
      float gain = (float) (1 / (1 + 0.25 * c));
      for (int n = 0; n < mono.length; n++) {
        out[n * channels + c] = n >= c ? gain * mono[n - c] : 0f;
      }
    }
    return out;
  }

  private static void prepare(Path dir, boolean overwrite) throws IOException {
    if (Files.isDirectory(dir)) {
      boolean empty;
      try (Stream<Path> entries = Files.list(dir)) {
        empty = entries.findAny().isEmpty();
      }
      if (!empty) {
        if (!overwrite) {
          throw new DirectoryNotEmptyException(dir.toString());
        }
        for (String name : OUTPUTS) { // metadata.csv first: the folder stops looking complete
          deleteTree(dir.resolve(name));
        }
      }
    }
    Files.createDirectories(dir);
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private byte[] metadata(CohortPlan plan) {
    StringBuilder sb = new StringBuilder("file,speaker_id,task");
    for (Feature f : spec.features()) {
      sb.append(',').append(f.column());
    }
    sb.append('\n');
    for (CohortPlan.Recording r : plan.recordings()) {
      sb.append(r.file()).append(',').append(r.speaker().id()).append(',').append(CohortSpec.TASK);
      for (Feature f : spec.features()) {
        Integer rating = r.ratings().get(f);
        sb.append(',').append(rating == null ? "" : rating.toString());
      }
      sb.append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private byte[] truth(CohortPlan plan) {
    StringBuilder sb =
        new StringBuilder(
            "file,speaker_id,sex,age,f0_hz,pitch_range,vocal_tract_scale,syllable_rate,"
                + "loudness_db");
    for (Feature f : spec.features()) {
      sb.append(',').append(f.column());
    }
    sb.append('\n');
    for (CohortPlan.Recording r : plan.recordings()) {
      SpeakerTraits s = r.speaker();
      sb.append(
          String.format(
              Locale.ROOT,
              "%s,%s,%s,%d,%.1f,%.3f,%.3f,%.2f,%.1f",
              r.file(),
              s.id(),
              s.sex(),
              s.age(),
              s.f0Hz(),
              s.pitchRange(),
              s.vocalTractScale(),
              s.syllableRate(),
              s.loudnessDb()));
      for (Feature f : spec.features()) {
        sb.append(String.format(Locale.ROOT, ",%.4f", r.severities().get(f)));
      }
      sb.append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private byte[] specJson() throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("schema", 1);
    json.put("generator", "vocalis cohort");
    json.put("speakers", spec.speakers());
    json.put("utterances_per_speaker", spec.utterancesPerSpeaker());
    json.put("seconds", spec.seconds());
    json.put("seed", spec.seed());
    json.put("sample_rate", spec.sampleRate());
    json.put("channels", spec.channels());
    json.put("encoding", spec.encoding().name());
    json.put("features", spec.features().stream().map(Feature::column).toList());
    json.put("prevalence", spec.prevalence());
    json.put("correlation", spec.correlation());
    json.put("rater_noise", spec.raterNoise());
    json.put("utterance_sd", spec.utteranceSd());
    json.put("unrated_fraction", spec.unratedFraction());
    json.put("task", CohortSpec.TASK);
    String text =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
    return (text + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private Map<Feature, Double> prevalence(CohortPlan plan) {
    Map<Feature, Double> out = new EnumMap<>(Feature.class);
    for (Feature f : spec.features()) {
      int rated = 0;
      int present = 0;
      for (CohortPlan.Recording r : plan.recordings()) {
        Integer rating = r.ratings().get(f);
        if (rating != null) {
          rated++;
          present += rating > 1 ? 1 : 0;
        }
      }
      out.put(f, rated == 0 ? 0.0 : (double) present / rated);
    }
    return out;
  }

  private static ThreadFactory daemonThreads() {
    return task -> {
      Thread t = new Thread(task, "cohort-render");
      t.setDaemon(true);
      return t;
    };
  }
}
