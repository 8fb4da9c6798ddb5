package io.nodemesh.cli;

import io.nodemesh.controller.common.PortRange;
import picocli.CommandLine;

/** Parses {@code FIRST-LAST} into a {@link PortRange}, reporting the controller's reason. */
final class PortRangeConverter implements CommandLine.ITypeConverter<PortRange> {
  @Override
  public PortRange convert(String value) {
    try {
      return PortRange.parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
