package io.nodemesh.cli;

import picocli.CommandLine;

/** Parses a TCP port, 0..65535 (0 asks the kernel for a free one). */
final class PortConverter implements CommandLine.ITypeConverter<Integer> {
  @Override
  public Integer convert(String value) {
    int port;
    try {
      port = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a port number");
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.TypeConversionException("port " + port + " is not in 0..65535");
    }
    return port;
  }
}
