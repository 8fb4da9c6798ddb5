package io.nodemesh.proxy.identity;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The listeners of a {@link WorkloadIdentities}; one failing listener does not stop the others. */
final class Listeners {
  private static final System.Logger LOG = System.getLogger(Listeners.class.getName());

  private final List<WorkloadIdentities.Listener> all = new CopyOnWriteArrayList<>();

  AutoCloseable add(WorkloadIdentities.Listener l) {
    all.add(l);
    return () -> all.remove(l);
  }

  void fire(WorkloadIdentities.Change change) {
    for (WorkloadIdentities.Listener l : all) {
      try {
        l.changed(change);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "identity listener failed on " + change, e);
      }
    }
  }
}
