package io.nodemesh.proxy.route;

import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.RouteFilter;

/**
 * Applies a Gateway API header modifier: set, then add, then remove. The names and values were
 * checked by the contract (tokens; no CR, LF or NUL), so an edit can never split a header field.
 */
final class HeaderEditor {
  private final String[] setNames;
  private final String[] setValues;
  private final String[] addNames;
  private final String[] addValues;
  private final String[] remove;

  HeaderEditor(RouteFilter.HeaderEdits edits) {
    setNames = edits.set().stream().map(RouteFilter.Header::name).toArray(String[]::new);
    setValues = edits.set().stream().map(RouteFilter.Header::value).toArray(String[]::new);
    addNames = edits.add().stream().map(RouteFilter.Header::name).toArray(String[]::new);
    addValues = edits.add().stream().map(RouteFilter.Header::value).toArray(String[]::new);
    remove = edits.remove().toArray(String[]::new);
  }

  void apply(HttpHeaders h) {
    for (int i = 0; i < setNames.length; i++) {
      h.set(setNames[i], setValues[i]);
    }
    for (int i = 0; i < addNames.length; i++) {
      h.add(addNames[i], addValues[i]);
    }
    for (String r : remove) {
      h.remove(r);
    }
  }
}
