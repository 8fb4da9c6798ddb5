package io.nodemesh.proxy.listener;

/** The outcome of resolving an entry-port host ({@code name.namespace.<domain>[:port]}). */
public sealed interface HostLookup {
  /** The host names this listener. */
  record Found(CompiledListener listener) implements HostLookup {}

  /** No listener; {@code message} is the one-line 404 body. */
  record NotFound(String message) implements HostLookup {}
}
