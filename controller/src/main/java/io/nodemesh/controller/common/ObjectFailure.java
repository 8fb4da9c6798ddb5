package io.nodemesh.controller.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.Supplier;

/**
 * Keeps what goes wrong while one object compiles to that object (issue 13): any {@link Throwable},
 * {@link Error}s included, becomes a {@link Problem} naming the object, the object is skipped, and
 * the compile goes on with the others. Before this, one object's {@code Error} killed the compile
 * thread, and the controller served its last config, ready, for ever.
 *
 * <p>What is isolated: every exception, and every error that unwinds cleanly, {@link
 * StackOverflowError} included (a deeply nested object causes it, and the stack is whole again once
 * it is caught). What is not: the other {@link VirtualMachineError}s ({@link OutOfMemoryError},
 * {@link InternalError}, {@link UnknownError}). They say the JVM is in trouble, not the object, and
 * blaming whichever object was compiling would hide that; they fail the whole compile, which the
 * controller counts, reports on {@code /readyz} and retries.
 */
public final class ObjectFailure {
  private static final System.Logger LOG = System.getLogger(ObjectFailure.class.getName());

  // A thrown message may quote the object; a Problem must stay a line.
  private static final int MAX_DETAIL = 200;

  private ObjectFailure() {}

  /** Whether {@code t} is the object's and not the JVM's (see the class comment). */
  public static boolean isolable(Throwable t) {
    return !(t instanceof VirtualMachineError) || t instanceof StackOverflowError;
  }

  /**
   * Runs one object's compilation step. When it throws an isolable {@link Throwable}, adds a
   * problem for {@code o} to {@code problems} and returns {@code fallback}; otherwise rethrows.
   */
  public static <T> T guard(
      HasMetadata o, Supplier<T> step, Supplier<T> fallback, List<Problem> problems) {
    try {
      return step.get();
    } catch (Throwable t) {
      problems.add(problem(o, t));
      return fallback.get();
    }
  }

  /**
   * The problem of {@code o} whose compilation threw {@code t}; rethrows {@code t} when it is not
   * isolable. Logs the stack trace, which is for the developers, not for the object's owner.
   */
  public static Problem problem(HasMetadata o, Throwable t) {
    if (!isolable(t)) {
      throw (VirtualMachineError) t;
    }
    String kind = o == null || o.getKind() == null ? "Object" : o.getKind();
    String namespace = o == null || o.getMetadata() == null ? null : o.getMetadata().getNamespace();
    String name = o == null || o.getMetadata() == null ? null : o.getMetadata().getName();
    LOG.log(
        Level.WARNING,
        "compiling " + kind + " " + namespace + "/" + name + " failed; it is skipped",
        t);
    String detail = t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    if (detail.length() > MAX_DETAIL) {
      detail = detail.substring(0, MAX_DETAIL) + "...";
    }
    return new Problem(
        kind,
        namespace,
        name,
        "spec",
        "compiling this object failed (" + detail + "); it is skipped until it changes",
        ProblemReason.COMPILE_FAILED);
  }
}
