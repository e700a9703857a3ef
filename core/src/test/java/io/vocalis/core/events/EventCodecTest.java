package io.vocalis.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class EventCodecTest {

  static java.util.List<Event> events() {
    return SampleEvents.all();
  }

  @ParameterizedTest
  @MethodSource("events")
  void roundTripsEveryEventType(Event event) {
    byte[] json = EventCodec.encode(event);
    assertThat(EventCodec.decode(json, event.getClass())).isEqualTo(event);
  }

  @Test
  void writesSchemaVersionAndIsoInstants() {
    String json = EventCodec.encodeToString(SampleEvents.ready());
    assertThat(json)
        .contains("\"schema\":1")
        .contains("\"createdAt\":\"2026-11-25T10:15:30.123Z\"")
        .contains("\"ratings\":{")
        .contains("\"durationSeconds\":3.25");
  }

  @Test
  void ignoresUnknownFieldsFromNewerProducers() {
    String json =
        EventCodec.encodeToString(SampleEvents.model()).replaceFirst("\\{", "{\"addedLater\":7,");
    assertThat(EventCodec.decode(json, ModelPublished.class)).isEqualTo(SampleEvents.model());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "empty payload                 | ''                                     | ModelPublished: empty payload",
        "not JSON                      | 'hello'                                | ModelPublished: malformed JSON",
        "truncated JSON                | '{\"schema\":1,\"name\":'          | ModelPublished: malformed JSON",
        "schema missing                | '{\"name\":\"m\"}'                  | schema 0 is not supported (this build reads schema 1; the field is missing)",
        "schema from the future        | '{\"schema\":2,\"name\":\"m\"}'     | schema 2 is not supported (this build reads schema 1)",
      })
  void refusesBadPayloadsWithAReason(String what, String payload, String reason) {
    assertThatThrownBy(() -> EventCodec.decode(payload, ModelPublished.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void refusesTrailingGarbageAfterAValidEvent() {
    String json = EventCodec.encodeToString(SampleEvents.model()) + " {}";
    assertThatThrownBy(() -> EventCodec.decode(json, ModelPublished.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageStartingWith("ModelPublished: malformed JSON: Trailing token");
  }

  @Test
  void namesTheMissingField() {
    String json = EventCodec.encodeToString(SampleEvents.model()).replace("\"uri\":", "\"url\":");
    assertThatThrownBy(() -> EventCodec.decode(json, ModelPublished.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessage("ModelPublished: artifact.uri is required");
  }

  @Test
  void refusesAModelPublishedWithAnUnknownActionOrAThresholdOutsideZeroToOne() {
    String json = EventCodec.encodeToString(SampleEvents.model());
    assertThat(json).contains("\"action\":\"promote\"").contains("\"previousVersion\":2")
        .contains("\"features\":[{\"name\":\"hoarse_harsh\",\"threshold\":0.42}");
    assertThatThrownBy(() -> EventCodec.decode(json.replace("\"promote\"", "\"demote\""), ModelPublished.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessage("ModelPublished: action must be promote or rollback, got demote");
    assertThatThrownBy(() -> EventCodec.decode(json.replace("0.42", "1.42"), ModelPublished.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessage("ModelPublished: features.hoarse_harsh.threshold must be in [0, 1], got 1.42");
    assertThatThrownBy(() -> EventCodec.decode(json.replace("slow_rate", "hoarse_harsh"), ModelPublished.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessage("ModelPublished: features names hoarse_harsh twice");
  }

  @Test
  void refusesAnIdThatIsNotASha256() {
    String json = EventCodec.encodeToString(SampleEvents.ready()).replace(SampleEvents.ID, "p01.wav");
    assertThatThrownBy(() -> EventCodec.decode(json, RecordingReady.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessage(
            "RecordingReady: id must be a lowercase hex sha256 (64 characters), got 'p01.wav'");
  }

  @Test
  void refusesLabelsWithoutRatingsAndNullRatings() {
    String labels =
        EventCodec.encodeToString(SampleEvents.ready())
            .replace("\"labels\":{", "\"labels\":{\"monopitch_monoloudness\":true,");
    assertThatThrownBy(() -> EventCodec.decode(labels, RecordingReady.class))
        .hasMessageContaining("name features without a rating");

    String nullRating =
        EventCodec.encodeToString(SampleEvents.ready())
            .replace("\"ratings\":{", "\"ratings\":{\"slow_rate2\":null,");
    assertThatThrownBy(() -> EventCodec.decode(nullRating, RecordingReady.class))
        .hasMessageContaining("ratings has a null entry for key 'slow_rate2'");
  }

  @Test
  void ratingsUpdatedWritesItsFieldsAndChecksThemOnDecode() {
    String json = EventCodec.encodeToString(SampleEvents.ratings());
    assertThat(json)
        .contains("\"schema\":1")
        .contains("\"revision\":2")
        .contains("\"threshold\":1.0")
        .contains("\"changed\":[\"hoarse_harsh\",\"monopitch_monoloudness\",\"slow_rate\"]")
        .contains("\"updatedAt\":\"2026-11-25T10:15:30.123Z\"");

    assertThatThrownBy(() -> EventCodec.decode(json.replace("\"revision\":2", "\"revision\":1"), RatingsUpdated.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessage("RatingsUpdated: revision must be >= 2 (revision 1 is the ratings uploaded with the audio), got 1");
    assertThatThrownBy(() -> EventCodec.decode(json.replace("\"threshold\":1.0", "\"threshold\":0.5"), RatingsUpdated.class))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("are not the ratings")
        .hasMessageContaining("at threshold 0.5");
    assertThatThrownBy(() -> EventCodec.decode(json.replaceFirst("\"changed\":\\[[^]]*]", "\"changed\":[]"), RatingsUpdated.class))
        .hasMessage("RatingsUpdated: changed must name at least one feature");
    assertThatThrownBy(() -> EventCodec.decode(json.replace("\"recordingId\":", "\"id\":"), RatingsUpdated.class))
        .hasMessage("RatingsUpdated: recordingId is required");
  }

  @Test
  void refusesProbabilitiesOutsideTheUnitInterval() {
    String json = EventCodec.encodeToString(SampleEvents.prediction()).replace("0.73", "1.73");
    assertThatThrownBy(() -> EventCodec.decode(json, Prediction.class))
        .hasMessage("Prediction: probabilities.hoarse_harsh must be in [0, 1], got 1.73");
  }

  @Test
  void embeddingsReadyWritesLayersAndDtypeAsTheApiDoes() {
    String json = EventCodec.encodeToString(SampleEvents.embeddings());
    assertThat(json).contains("\"layers\":[0,6,12]").contains("\"dtype\":\"float16\"");
    EmbeddingsReady back = EventCodec.decode(json, EmbeddingsReady.class);
    assertThat(back.key()).isEqualTo(SampleEvents.embeddings().key());
    assertThatThrownBy(() -> EventCodec.decode(json.replace("[0,6,12]", "\"first\""), EmbeddingsReady.class))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("last");
  }
}
