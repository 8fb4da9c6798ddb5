package io.nodemesh.controller.api;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ConfigWire;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

/**
 * One published config and the bodies that serve it. Each body is serialised (and compressed) once,
 * by the first poll that needs it, and shared by every later one: a change reaches N proxies for
 * the cost of one encoding, not N.
 */
final class ServedConfig {

  /**
   * A response body in both encodings; {@code gzip} is null below {@link ConfigApi#GZIP_MIN_BYTES}.
   */
  record Body(String contentType, boolean delta, byte[] identity, byte[] gzip) {
    static Body of(String contentType, boolean delta, byte[] identity) {
      return new Body(
          contentType,
          delta,
          identity,
          identity.length < ConfigApi.GZIP_MIN_BYTES ? null : compress(identity));
    }
  }

  private final MeshConfig config;
  private final MeshConfig shared;
  private final List<MeshConfig> bases;
  private final Object fullLock = new Object();
  private final ConcurrentHashMap<Long, Optional<Body>> deltas = new ConcurrentHashMap<>();
  private final AtomicInteger encodings = new AtomicInteger();
  private volatile Body full;

  /**
   * @param config the config as published
   * @param shared the same config with the listener objects it shares with {@code bases}
   * @param bases older versions a delta may start from
   */
  ServedConfig(MeshConfig config, MeshConfig shared, List<MeshConfig> bases) {
    this.config = config;
    this.shared = shared;
    this.bases = List.copyOf(bases);
  }

  MeshConfig config() {
    return config;
  }

  /** The config as kept in the history, sharing unchanged listeners with older versions. */
  MeshConfig shared() {
    return shared;
  }

  long version() {
    return config.version();
  }

  /** The whole config. */
  Body full() {
    Body b = full;
    if (b == null) {
      synchronized (fullLock) {
        b = full;
        if (b == null) {
          encodings.incrementAndGet();
          b = Body.of(ConfigWire.FULL_CONTENT_TYPE, false, MeshConfigJson.writeBytes(config));
          full = b;
        }
      }
    }
    return b;
  }

  /**
   * The delta from {@code version}, or empty when that version is not one this replica kept (too
   * old, from another replica, from before a restart) or no delta leads from it.
   */
  Optional<Body> deltaFrom(long version) {
    // Only kept versions reach the cache, so a client naming random versions cannot grow it.
    for (MeshConfig base : bases) {
      if (base.version() == version) {
        return deltas.computeIfAbsent(
            version, v -> MeshConfigDelta.between(base, shared).flatMap(this::worthSending));
      }
    }
    return Optional.empty();
  }

  /**
   * The delta's body, or empty when the whole config is no larger. Only a delta that places more
   * than half of the listeners (a small config, or one that changed nearly everywhere) can be, so
   * only then is the whole config encoded to compare.
   */
  private Optional<Body> worthSending(MeshConfigDelta d) {
    encodings.incrementAndGet();
    Body delta = Body.of(ConfigWire.DELTA_CONTENT_TYPE, true, MeshConfigJson.writeBytes(d));
    if (d.listeners().size() * 2 > d.listenerCount()
        && full().identity().length <= delta.identity().length) {
      return Optional.empty();
    }
    return Optional.of(delta);
  }

  /** How many bodies were serialised for this version, for tests. */
  int encodings() {
    return encodings.get();
  }

  private static byte[] compress(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(512, data.length / 16));
    try (GZIPOutputStream z = new GZIPOutputStream(out, 64 * 1024)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compress a config body", e);
    }
    return out.toByteArray();
  }
}
