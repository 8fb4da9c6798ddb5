package io.nodemesh.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON mapping of {@link MeshConfig}, used by both ends of the wire. */
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

  /**
   * Reads a configuration.
   *
   * @throws IllegalArgumentException when the JSON is malformed or a record rejects a value
   */
  public static MeshConfig read(String json) {
    try {
      return MAPPER.readValue(json, MeshConfig.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed config: " + e.getOriginalMessage(), e);
    }
  }
}
