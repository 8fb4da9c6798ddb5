package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON mapping of {@link MeshConfig} and {@link MeshConfigDelta}, used by both ends of the
 * wire.
 */
public final class MeshConfigJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          // A newer controller may add fields; an older proxy must still read the rest.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  private MeshConfigJson() {}

  /** The shared, thread-safe mapper. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static String write(MeshConfig config) {
    try {
      return MAPPER.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise config " + config.version(), e);
    }
  }

  /** The UTF-8 JSON of {@code config}, as served. */
  public static byte[] writeBytes(MeshConfig config) {
    return bytes(config, "config " + config.version());
  }

  public static String write(MeshConfigDelta delta) {
    return new String(writeBytes(delta), StandardCharsets.UTF_8);
  }

  /** The UTF-8 JSON of {@code delta}, as served. */
  public static byte[] writeBytes(MeshConfigDelta delta) {
    return bytes(delta, "config delta " + delta.from() + " -> " + delta.to());
  }

  /**
   * Reads a configuration.
   *
   * @throws IllegalArgumentException when the JSON is malformed or a record rejects a value
   */
  public static MeshConfig read(String json) {
    return read(json, MeshConfig.class, "config");
  }

  /**
   * Reads a configuration from a stream without holding its text in memory; leaves the stream open.
   *
   * @throws IllegalArgumentException when the JSON is malformed or a record rejects a value
   * @throws IOException when the stream fails (the stream's own exception, unwrapped)
   */
  public static MeshConfig read(InputStream json) throws IOException {
    return read(json, MeshConfig.class, "config");
  }

  /**
   * Reads a delta.
   *
   * @throws IllegalArgumentException when the JSON is malformed or a record rejects a value
   */
  public static MeshConfigDelta readDelta(String json) {
    return read(json, MeshConfigDelta.class, "config delta");
  }

  /** As {@link #read(InputStream)}, for a delta. */
  public static MeshConfigDelta readDelta(InputStream json) throws IOException {
    return read(json, MeshConfigDelta.class, "config delta");
  }

  private static <T> T read(String json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw malformed(what, e);
    }
  }

  private static <T> T read(InputStream json, Class<T> type, String what) throws IOException {
    try (JsonParser parser = MAPPER.createParser(json)) {
      // The caller owns the stream: it may read on (a gzip trailer) before closing it.
      parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
      return MAPPER.readValue(parser, type);
    } catch (JsonProcessingException e) {
      throw malformed(what, e);
    }
  }

  private static byte[] bytes(Object value, String what) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + what, e);
    }
  }

  private static IllegalArgumentException malformed(String what, JsonProcessingException e) {
    return new IllegalArgumentException("malformed " + what + ": " + e.getOriginalMessage(), e);
  }
}
