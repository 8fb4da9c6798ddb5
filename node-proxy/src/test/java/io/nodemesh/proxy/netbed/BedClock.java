package io.nodemesh.proxy.netbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The clock of a process of the test bed (issue 14: "the clock can be moved in tests, for expiry
 * and rotation"): the system clock plus an offset that the test writes into a file, one file per
 * process. A daemon thread reads the file every 100 ms, so the process sees a move within that and
 * no caller of {@link #instant} waits for a disk. Moving time forward, as the bed does, is what a
 * long wait would be; giving two processes different offsets is clock skew between nodes.
 *
 * <p>Test code only: the proxy's and the CA's clocks are injectable (production passes the system
 * clock), and the bed's mains ({@code BedProxy}, {@code BedController}) pass this one.
 */
public final class BedClock implements InstantSource {
  private static final long POLL_MILLIS = 100;
  private final Path file;
  private volatile Duration offset = Duration.ZERO;

  private BedClock(Path file) {
    this.file = file;
  }

  /** A clock that follows {@code file} from now on, until the process ends. */
  public static BedClock following(Path file) {
    BedClock c = new BedClock(file);
    c.read();
    ScheduledExecutorService poll =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bed-clock");
              t.setDaemon(true);
              return t;
            });
    poll.scheduleWithFixedDelay(c::read, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    return c;
  }

  /** Sets the offset of the processes following {@code file}; the file is replaced atomically. */
  public static void set(Path file, Duration offset) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, offset.toString());
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The offset written in {@code file} (zero when there is none). */
  public static Duration get(Path file) {
    try {
      return Duration.parse(Files.readString(file).strip());
    } catch (NoSuchFileException e) {
      return Duration.ZERO;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void read() {
    try {
      offset = get(file);
    } catch (RuntimeException e) {
      // A half-written file cannot be seen (atomic move); anything else keeps the last offset.
    }
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  /** This clock as a {@link Clock} (UTC), for the tunnel. */
  public Clock clock() {
    return withZone(ZoneOffset.UTC);
  }
}
