package io.nodemesh.cli.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line (JSON Lines) for each log record: {@code time} (RFC 3339, UTC), {@code
 * level}, {@code logger}, {@code thread}, {@code message} and, for a record with an exception,
 * {@code thrown} (its stack trace). Log pipelines (Fluent Bit, Vector, Loki) read the fields
 * without a parsing rule. Named in {@code logging.properties} by the chart ({@code logFormat:
 * json}), so it needs a public no-argument constructor.
 */
public final class JsonLogFormatter extends Formatter {
  @Override
  public String format(LogRecord record) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"time\":\"").append(Instant.ofEpochMilli(record.getMillis())).append('"');
    field(sb, "level", record.getLevel().getName());
    field(sb, "logger", record.getLoggerName());
    field(sb, "thread", Thread.currentThread().getName());
    field(sb, "message", formatMessage(record));
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      field(sb, "thrown", trace.toString());
    }
    return sb.append("}\n").toString();
  }

  private static void field(StringBuilder sb, String name, String value) {
    sb.append(",\"").append(name).append("\":");
    if (value == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    escape(sb, value);
    sb.append('"');
  }

  /**
   * RFC 8259 §7: quotation mark, reverse solidus and the control characters U+0000..U+001F must be
   * escaped; so that a message can never end the line early, U+2028 and U+2029 are escaped too.
   */
  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
  }
}
