package io.nodemesh.proxy.accesslog;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * JSON access log lines, queued by the event loops and written by one background thread. The queue
 * is bounded: when the writer falls behind (a slow disk), lines are dropped and counted rather than
 * blocking or buffering without limit.
 */
public final class AccessLog implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AccessLog.class.getName());
  private static final AccessLog DISABLED = new AccessLog();

  /** Lines queued at most before new ones are dropped. */
  public static final int DEFAULT_CAPACITY = 65_536;

  private final BlockingQueue<AccessLogEntry> queue;
  private final OutputStream out;
  private final boolean closeOut;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final Thread writer;
  private volatile boolean closing;

  private AccessLog() {
    queue = null;
    out = null;
    closeOut = false;
    writer = null;
  }

  private AccessLog(OutputStream out, boolean closeOut, int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.out = out;
    this.closeOut = closeOut;
    this.writer = Thread.ofPlatform().daemon().name("nodemesh-access-log").unstarted(this::run);
    writer.start();
  }

  /** No access log. */
  public static AccessLog disabled() {
    return DISABLED;
  }

  /**
   * Opens the access log.
   *
   * @param target {@code -} for standard output, else a file path (appended to, created if absent)
   * @throws IllegalArgumentException naming the file when it cannot be opened
   */
  public static AccessLog open(String target) {
    return open(target, DEFAULT_CAPACITY);
  }

  static AccessLog open(String target, int capacity) {
    if ("-".equals(target)) {
      return new AccessLog(System.out, false, capacity);
    }
    try {
      OutputStream file =
          Files.newOutputStream(
              Path.of(target), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return new AccessLog(file, true, capacity);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "access log '" + target + "' cannot be opened: " + e.getMessage(), e);
    }
  }

  /** Writes to a stream (tests). */
  static AccessLog to(OutputStream out, int capacity) {
    return new AccessLog(out, false, capacity);
  }

  public boolean enabled() {
    return queue != null;
  }

  /** Queues a line; never blocks. Dropped (and counted) when the queue is full. */
  public void log(AccessLogEntry entry) {
    if (queue == null || closing || !queue.offer(entry)) {
      if (queue != null) {
        dropped.increment();
      }
    }
  }

  /** Lines dropped because the queue was full. */
  public double dropped() {
    return dropped.sum();
  }

  /** Lines written so far. */
  public long written() {
    return written.sum();
  }

  private void run() {
    List<AccessLogEntry> batch = new ArrayList<>(256);
    try (JsonGenerator g = Json.FACTORY.createGenerator(new NonClosing(out), JsonEncoding.UTF8)) {
      g.setRootValueSeparator(null);
      while (!(closing && queue.isEmpty())) {
        AccessLogEntry first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, 255);
        for (AccessLogEntry e : batch) {
          write(g, e);
        }
        g.flush();
        written.add(batch.size());
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | UncheckedIOException e) {
      LOG.log(Level.WARNING, "access log stopped: {0}", e.getMessage());
    }
  }

  private static void write(JsonGenerator g, AccessLogEntry e) throws IOException {
    g.writeStartObject();
    g.writeStringField("time", Instant.ofEpochMilli(e.epochMillis()).toString());
    g.writeStringField("protocol", e.protocol());
    field(g, "source", e.source());
    field(g, "source_identity", e.sourceIdentity());
    field(g, "destination", e.destination());
    field(g, "backend", e.backend());
    field(g, "endpoint", e.endpoint());
    field(g, "method", e.method());
    field(g, "path", e.path());
    if (e.status() > 0) {
      g.writeNumberField("status", e.status());
    }
    g.writeNumberField("duration_ms", e.durationNanos() / 1_000_000.0);
    g.writeNumberField("bytes_in", e.bytesIn());
    g.writeNumberField("bytes_out", e.bytesOut());
    g.writeNumberField("retries", e.retries());
    field(g, "trace_id", e.traceId());
    g.writeEndObject();
    g.writeRaw('\n');
  }

  private static void field(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    if (queue == null || closing) {
      return;
    }
    closing = true;
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
      if (closeOut) {
        out.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "access log close: {0}", e.getMessage());
    }
  }

  /** The generator closes its stream on close; standard output must stay open. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** Held apart so that a proxy without an access log never loads the JSON writer (issue 7). */
  private static final class Json {
    static final JsonFactory FACTORY = new JsonFactory();
  }
}
