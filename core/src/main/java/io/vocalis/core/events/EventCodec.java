package io.vocalis.core.events;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON codec for {@link Event} payloads, used by every producer and consumer. Encoding is
 * UTF-8 JSON with ISO-8601 instants. Decoding checks the schema version and every field and
 * throws {@link InvalidEventException} with a reason fit for a dead-letter record. Unknown fields
 * are ignored, so a newer producer may add optional fields without a schema bump.
 */
public final class EventCodec {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private EventCodec() {}

  /** The event as UTF-8 JSON bytes. */
  public static byte[] encode(Event event) {
    try {
      return MAPPER.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + event.getClass().getSimpleName(), e);
    }
  }

  /** The event as a JSON string. */
  public static String encodeToString(Event event) {
    return new String(encode(event), StandardCharsets.UTF_8);
  }

  /**
   * Decodes a payload of the given type.
   *
   * @throws InvalidEventException naming what is wrong: empty payload, malformed JSON, missing or
   *     unsupported schema version, missing or invalid field
   */
  public static <T extends Event> T decode(byte[] payload, Class<T> type) {
    String name = type.getSimpleName();
    if (payload == null || payload.length == 0) {
      throw new InvalidEventException(name + ": empty payload");
    }
    try {
      return MAPPER.readValue(payload, type);
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new InvalidEventException(name + ": " + cause.getMessage(), e);
    } catch (JacksonException e) {
      throw new InvalidEventException(name + ": malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decodes a JSON string payload; see {@link #decode(byte[], Class)}. */
  public static <T extends Event> T decode(String payload, Class<T> type) {
    return decode(payload == null ? null : payload.getBytes(StandardCharsets.UTF_8), type);
  }
}
