package io.nodemesh.bench;

import io.nodemesh.config.http.PathCanonicalizer;
import io.nodemesh.config.http.RefusedTarget;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The canonical request path, made once per request on the event loop (docs/access-control.md, "The
 * request path"). {@code canonical} targets take the fast path: one scan, the same string back, no
 * allocation (run with {@code -prof gc} to see {@code gc.alloc.rate.norm}); the others are
 * rewritten.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PathCanonicalizerBenchmark {
  @Param({
    "/api/v1/items?page=2&sort=name",
    "/static/js/app.4f1c2e1a.bundle.min.js",
    "/api/v1/../v2/./items//42?page=2",
    "/%61pi/v1/items%2e"
  })
  public String target;

  @Benchmark
  public String canonical() throws RefusedTarget {
    return PathCanonicalizer.canonical(target);
  }
}
