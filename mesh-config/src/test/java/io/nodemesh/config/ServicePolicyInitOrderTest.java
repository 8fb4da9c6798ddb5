package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default policy is whole whichever class the JVM initialises first. Each case loads
 * mesh-config's classes afresh in a class loader of its own, so that the nested record it names is
 * initialised before {@link ServicePolicy} (as code that touches, say, {@code Connections.DEFAULTS}
 * first does), then asks for the defaults. Before the fix the default policy of such a JVM had
 * {@code connections == null}, and a config read from JSON (which fills the default in) no longer
 * equalled one built in code.
 */
class ServicePolicyInitOrderTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Connections",
        "Balancing",
        "Timeouts",
        "Retry",
        "CircuitBreaker",
        "Outlier",
        "RateLimit",
        "Paths"
      })
  void theDefaultsAreWholeWhenANestedRecordIsInitialisedFirst(String nested) throws Exception {
    try (URLClassLoader fresh = freshLoader()) {
      Class.forName(ServicePolicy.class.getName() + "$" + nested, true, fresh);
      Object defaults =
          Class.forName(ServicePolicy.class.getName(), true, fresh)
              .getMethod("defaults")
              .invoke(null);
      for (String part :
          List.of(
              "balancing",
              "timeouts",
              "retry",
              "circuitBreaker",
              "outlier",
              "rateLimit",
              "connections",
              "paths")) {
        assertThat(defaults.getClass().getMethod(part).invoke(defaults)).as(part).isNotNull();
      }
    }
  }

  @Test
  void theFreshLoaderReallyLoadsItsOwnCopy() throws Exception {
    try (URLClassLoader fresh = freshLoader()) {
      assertThat(Class.forName(ServicePolicy.class.getName(), false, fresh))
          .isNotSameAs(ServicePolicy.class);
    }
  }

  /** mesh-config's classes (and what they import) loaded again, not delegated to this test's. */
  private static URLClassLoader freshLoader() {
    URL ownClasses = ServicePolicy.class.getProtectionDomain().getCodeSource().getLocation();
    return new URLClassLoader(
        new URL[] {ownClasses}, ServicePolicyInitOrderTest.class.getClassLoader()) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith("io.nodemesh.config.")) {
          return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
          Class<?> c = findLoadedClass(name);
          if (c == null) {
            c = findClass(name);
          }
          if (resolve) {
            resolveClass(c);
          }
          return c;
        }
      }
    };
  }
}
