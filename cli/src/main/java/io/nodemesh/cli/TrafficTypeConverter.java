package io.nodemesh.cli;

import io.nodemesh.config.Protocol;
import picocli.CommandLine;

/** Parses a traffic type ({@code http}, {@code tcp}, {@code udp}), naming the accepted values. */
final class TrafficTypeConverter implements CommandLine.ITypeConverter<Protocol> {
  @Override
  public Protocol convert(String value) {
    try {
      return Protocol.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
