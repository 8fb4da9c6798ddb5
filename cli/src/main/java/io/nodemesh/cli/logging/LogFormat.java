package io.nodemesh.cli.logging;

import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** The log line formats {@code --log-format} accepts. */
public enum LogFormat {
  TEXT,
  JSON;

  /** Parses {@code text} or {@code json}, case-insensitively. */
  public static LogFormat parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "text" -> TEXT;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("must be text or json (got '" + value + "')");
    };
  }

  /** Installs this format on every handler of the root logger (the console handler). */
  public void install() {
    Formatter formatter = this == JSON ? new JsonLogFormatter() : new SimpleFormatter();
    for (Handler h : Logger.getLogger("").getHandlers()) {
      h.setFormatter(formatter);
    }
  }
}
