package io.vocalis.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vocalis.core.dataset.DatasetIssue.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and validating dataset folders: parsing, column rules, every error and warning with its location. */
class DatasetReaderTest {
  @TempDir Path dir;

  private DatasetFolder folder() {
    return new DatasetFolder(dir);
  }

  @Test
  void readsQuotedFieldsCrlfBomBlankRatingsAndMetadata() {
    folder()
        .audio("audio/s1/a.wav", "audio/s1/b.wav", "audio/s2/deep/c.wav", "audio/s2/d.wav")
        .metadata(
            "\uFEFFfile,speaker_id,task,split,hoarse_harsh,slow_rate,notes\r\n"
                + "audio/s1/a.wav,s1,reading,train,2,0,\"calm, clear\"\r\n"
                + "\r\n"
                + "./audio/s1/b.wav,s1,vowel,TRAIN,,1.5,\"two\r\nlines\"\r\n"
                + "audio/s2/deep/c.wav, s2 ,reading,dev,0,,plain\r\n"
                + "\"audio/s2/d.wav\",s2,,,4,3,\r\n");

    DatasetValidation v = DatasetReader.read(dir, DatasetOptions.defaults());

    assertThat(v.errors()).isEmpty();
    assertThat(v.warnings()).extracting(Object::toString).containsExactly("metadata.csv:7: column 'task': no task");
    Dataset d = v.orThrow();
    assertThat(d.features()).containsExactly("hoarse_harsh", "slow_rate");
    assertThat(d.metadataColumns()).containsExactly("notes");
    assertThat(d.speakers()).containsExactly("s1", "s2");
    assertThat(d.rows()).extracting(DatasetRow::line).containsExactly(2, 4, 6, 7);
    DatasetRow b = d.rows().get(1);
    assertThat(b.file()).isEqualTo("audio/s1/b.wav");
    assertThat(b.audio()).isEqualTo(dir.toAbsolutePath().normalize().resolve("audio/s1/b.wav"));
    assertThat(b.task()).contains("vowel");
    assertThat(b.split()).contains(Split.TRAIN);
    assertThat(b.rating("hoarse_harsh")).isEqualTo(OptionalDouble.empty());
    assertThat(b.rating("slow_rate")).isEqualTo(OptionalDouble.of(1.5));
    assertThat(b.ratings()).containsOnlyKeys("slow_rate");
    assertThat(b.metadata()).containsExactly(Map.entry("notes", "two\r\nlines"));
    assertThat(d.labels(b)).containsExactly(Map.entry("slow_rate", true));
    assertThat(d.label(b, "hoarse_harsh")).isEmpty();
    DatasetRow c = d.rows().get(2);
    assertThat(c.speakerId()).isEqualTo("s2");
    assertThat(c.split()).contains(Split.VAL);
    assertThat(d.label(c, "hoarse_harsh")).contains(false);
    DatasetRow last = d.rows().get(3);
    assertThat(last.task()).isEmpty();
    assertThat(last.split()).isEmpty();
    assertThat(d.labels(last)).containsExactly(Map.entry("hoarse_harsh", true), Map.entry("slow_rate", true));
  }

  @Test
  void reportsEveryRowErrorWithItsLineAndColumn() throws Exception {
    folder().audio("audio/a.wav", "audio/b.wav", "audio/c.wav", "outside.wav");
    Files.createDirectories(dir.resolve("audio/folder.wav"));
    folder()
        .metadata(
            "file,speaker_id,task,split,hoarse_harsh\n"
                + "audio/a.wav,s1,reading,train,1\n"
                + "audio/missing.wav,s1,reading,train,1\n"
                + "audio/./a.wav,s2,reading,train,2\n"
                + "../outside.wav,s2,reading,train,2\n"
                + "/etc/passwd,s2,reading,train,2\n"
                + "C:/data/x.wav,s2,reading,train,2\n"
                + "audio\\b.wav,s2,reading,train,2\n"
                + "audio/b.wav,,reading,train,2\n"
                + "audio/c.wav,s3,reading,holdout,two\n"
                + "audio/folder.wav,s3,reading,test,3\n"
                + ",s3,reading,test,3\n"
                + "audio/c.wav,s3,reading\n");

    DatasetValidation v = DatasetReader.read(dir, DatasetOptions.defaults());

    assertThat(v.valid()).isFalse();
    assertThat(v.dataset()).isEmpty();
    assertThat(v.errors())
        .extracting(Object::toString)
        .containsExactly(
            "metadata.csv:3: column 'file': audio file not found: audio/missing.wav",
            "metadata.csv:4: column 'file': 'audio/./a.wav' is listed twice (first on line 2)",
            "metadata.csv:5: column 'file': '../outside.wav' leaves the dataset folder",
            "metadata.csv:6: column 'file': '/etc/passwd' is an absolute path: write it relative to the dataset folder",
            "metadata.csv:7: column 'file': 'C:/data/x.wav' is an absolute path: write it relative to the dataset folder",
            "metadata.csv:8: column 'file': 'audio\\b.wav' uses '\\': write paths with '/'",
            "metadata.csv:9: column 'speaker_id': missing speaker_id",
            "metadata.csv:10: column 'split': unknown split 'holdout' (allowed: train, val, test (aliases of val: valid, validation, dev))",
            "metadata.csv:10: column 'hoarse_harsh': rating 'two' is not a number (leave it blank if not rated)",
            "metadata.csv:11: column 'file': 'audio/folder.wav' is not a regular file",
            "metadata.csv:12: column 'file': missing file",
            "metadata.csv:13: expected 5 fields as in the header, found 3");
    assertThat(v.errors()).allMatch(e -> e.severity() == Severity.ERROR);
    assertThatThrownBy(v::orThrow)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("12 error(s) in the dataset:\nmetadata.csv:3: ");
  }

  @Test
  void aNulInAFilePathIsAnErrorOnItsLineNotAnException() {
    // Path.resolve threw InvalidPathException out of read(); also a DatasetReaderFuzzTest regression input
    folder().audio("a.wav").metadata("file,speaker_id,task\na\u0000b.wav,s1,t\na.wav,s1,t\n");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv:2: column 'file': 'a\\u0000b.wav' is not a valid path: Nul character not allowed");
  }

  @Test
  void missingRequiredColumnsAndBadHeadersAreLine1Errors() {
    folder().metadata("file,task,a,a,\naudio/x.wav,reading,1,2,3\n");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly(
            "metadata.csv:1: column 'a': appears twice in the header",
            "metadata.csv:1: column 5 has no name",
            "metadata.csv:1: column 'speaker_id': required column missing (header: file,task,a,a,)");
  }

  @Test
  void warnsAboutOddButUsableRows() {
    folder()
        .audio("a.wav", "b.wav", "c.wav", "d.wav")
        .metadata(
            "file,speaker_id,task,split,hoarse_harsh,slow_rate,never\n"
                + "a.wav,s1,reading,train,7,1,\n"
                + "b.wav,s1,reading,test,-1,1,\n"
                + "c.wav,s2,reading,train,0,,\n"
                + "d.wav,s3,vowel,val,1,0,\n");

    DatasetValidation v = DatasetReader.read(dir, DatasetOptions.defaults());

    assertThat(v.valid()).isTrue();
    assertThat(v.warnings())
        .extracting(Object::toString)
        .containsExactly(
            "metadata.csv:1: column 'never': feature never rated",
            "metadata.csv:2: column 'hoarse_harsh': rating 7 is outside the usual range 0..4 (if this column is not a feature, list it as metadata)",
            "metadata.csv:2: column 'speaker_id': speaker 's1' is in train (line 2), test (line 3): the splits are not speaker-disjoint",
            "metadata.csv:3: column 'hoarse_harsh': rating -1 is outside the usual range 0..4 (if this column is not a feature, list it as metadata)",
            "metadata.csv:4: column 'speaker_id': speaker 's2' has a single recording",
            "metadata.csv:5: column 'speaker_id': speaker 's3' has a single recording");
    assertThat(v.warnings()).allMatch(w -> w.severity() == Severity.WARNING);
    assertThat(v.orThrow().features()).containsExactly("hoarse_harsh", "slow_rate", "never");
  }

  @Test
  void splitValuesAndAliasesAreCaseInsensitive() {
    assertThat(Split.parse(" Valid ")).contains(Split.VAL);
    assertThat(Split.parse("DEV")).contains(Split.VAL);
    assertThat(Split.parse("validation")).contains(Split.VAL);
    assertThat(Split.parse("Test")).contains(Split.TEST);
    assertThat(Split.parse("train")).contains(Split.TRAIN);
    assertThat(Split.parse("eval")).isEmpty();
    assertThat(Split.VAL.id()).isEqualTo("val");
  }

  @Test
  void mostlyTextColumnsAreMetadataAndListedColumnsOverrideTheRule() {
    folder()
        .audio("a.wav", "b.wav", "c.wav")
        .metadata(
            "file,speaker_id,task,age,diagnosis,hoarse_harsh,code\n"
                + "a.wav,s1,reading,63,PD,2,x1\n"
                + "b.wav,s1,reading,70,ALS,1,7\n"
                + "c.wav,s1,reading,58,3,0,x3\n");

    Dataset detected = DatasetReader.read(dir, DatasetOptions.defaults().withMetadataColumns(List.of("age"))).orThrow();
    assertThat(detected.features()).containsExactly("hoarse_harsh");
    assertThat(detected.metadataColumns()).containsExactly("age", "diagnosis", "code");
    assertThat(detected.rows().get(0).metadata()).containsEntry("age", "63").containsEntry("diagnosis", "PD");

    DatasetValidation explicit =
        DatasetReader.read(dir, DatasetOptions.defaults().withFeatures(List.of("hoarse_harsh", "code", "missing", "task")));
    assertThat(explicit.errors())
        .extracting(Object::toString)
        .containsExactly(
            "metadata.csv:1: column 'missing': given as a feature but not in the header",
            "metadata.csv:1: column 'task': is a required column and cannot be a feature",
            "metadata.csv:2: column 'code': rating 'x1' is not a number (leave it blank if not rated)",
            "metadata.csv:4: column 'code': rating 'x3' is not a number (leave it blank if not rated)");
  }

  @Test
  void theThresholdDecidesTheLabels() {
    folder().audio("a.wav", "b.wav").metadata("file,speaker_id,task,f\na.wav,s,t,2\nb.wav,s,t,1\n");
    Dataset byDefault = DatasetReader.read(dir, DatasetOptions.defaults()).orThrow();
    assertThat(byDefault.rows()).extracting(r -> byDefault.label(r, "f")).containsExactly(Optional.of(true), Optional.of(false));
    Dataset strict = DatasetReader.read(dir, DatasetOptions.defaults().withThreshold(2)).orThrow();
    assertThat(strict.threshold()).isEqualTo(2);
    assertThat(strict.rows()).extracting(r -> strict.label(r, "f")).containsExactly(Optional.of(false), Optional.of(false));
  }

  @Test
  void malformedCsvInvalidUtf8AndMissingOrEmptyMetadataAreErrors() {
    folder().metadata("file,speaker_id,task\na.wav,s,\"t\"x\n");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .singleElement()
        .asString()
        .startsWith("metadata.csv:2: malformed CSV: Invalid character between encapsulated token and delimiter");

    byte[] latin1 = "file,speaker_id,task\na.wav,Jos\u00e9,t\n".getBytes(StandardCharsets.ISO_8859_1);
    folder().metadataBytes(latin1);
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv:2: not valid UTF-8 (byte offset 30)");

    folder().metadata("file,speaker_id,task\n");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv:1: has a header but no recordings");

    folder().metadata("");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv: is empty: no header");

    Path empty = dir.resolve("nothing-here");
    assertThat(DatasetReader.read(empty, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv: not found in " + empty.toAbsolutePath());
  }

  @Test
  void checkingAudioDecodesEveryFile() {
    folder()
        .audio("good.wav")
        .write("bad.wav", "RIFF\0\0\0\0WAVEfmt ".getBytes(StandardCharsets.ISO_8859_1))
        .metadata("file,speaker_id,task\ngood.wav,s,t\nbad.wav,s,t\n");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).valid()).isTrue();
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults().withCheckAudio(true)).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv:3: column 'file': 'bad.wav' does not decode: WAV truncated inside a chunk header at byte 12");
  }

  @Test
  void aLinkOutOfTheFolderIsAnError(@TempDir Path elsewhere) throws Exception {
    Path outside = Files.write(elsewhere.resolve("x.wav"), DatasetFolder.wav());
    Files.createDirectories(dir.resolve("audio"));
    Files.createSymbolicLink(dir.resolve("audio/link.wav"), outside);
    folder().metadata("file,speaker_id,task\naudio/link.wav,s,t\n");
    assertThat(DatasetReader.read(dir, DatasetOptions.defaults()).errors())
        .extracting(Object::toString)
        .containsExactly("metadata.csv:2: column 'file': 'audio/link.wav' links to a file outside the dataset folder");
  }
}
