package io.nodemesh.proxy.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** This process's open-file limit, which the idle-connection test needs to know. */
final class FileDescriptors {
  private FileDescriptors() {}

  /** The maximum number of open files, or -1 when the platform does not say. */
  static long limit() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return -1;
  }
}
