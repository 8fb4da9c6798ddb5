package io.nodemesh.controller.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.smi.SmiKinds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A directory of Kubernetes-style YAML or JSON files as the cluster (local mode).
 *
 * <p>Files ({@code *.yaml}, {@code *.yml}, {@code *.json}, recursively) may hold several documents
 * separated by {@code ---} and {@code kind: List} objects. SMI kinds of every accepted apiVersion
 * are read through {@link SmiKinds}. A file that does not parse is reported as a {@link Problem}
 * naming the file, the document and the reason, and its last good content stays in force: an editor
 * that saves half a file must not drop routes. A deleted file removes its objects.
 *
 * <p>Changes are noticed through the JDK {@link WatchService} and, because some editors replace
 * files in ways a watch misses (rename over, other file systems), by comparing modification time
 * and size every {@value #POLL_MILLIS} ms. This class watches and keeps the files' states; reading
 * a file's text into objects is {@link ManifestParser}'s.
 */
public final class FileSource implements ClusterSource {
  private static final System.Logger LOG = System.getLogger(FileSource.class.getName());
  static final long POLL_MILLIS = 300;

  private final Path dir;
  private final ManifestParser parser = new ManifestParser();
  private final Object lock = new Object();
  private final Set<Path> watchedDirs = new HashSet<>();
  private volatile Map<Path, FileState> files = Map.of();
  private volatile Problem dirProblem;
  private volatile boolean synced;
  private volatile boolean closed;
  private WatchService watchService;
  private Thread thread;
  private Listener listener = () -> {};

  /** One file as last read: its last good objects and, if the latest read failed, why. */
  private record FileState(
      long mtime, long size, List<HasMetadata> objects, Problem problem, boolean emptyOnce) {
    FileState(long mtime, long size, List<HasMetadata> objects, Problem problem) {
      this(mtime, size, objects, problem, false);
    }
  }

  public FileSource(Path dir) {
    this.dir = Objects.requireNonNull(dir, "FileSource dir").toAbsolutePath().normalize();
  }

  @Override
  public void start(Listener listener) {
    synchronized (lock) {
      if (thread != null) {
        throw new IllegalStateException("FileSource " + dir + " already started");
      }
      this.listener = Objects.requireNonNull(listener, "listener");
      try {
        watchService = FileSystems.getDefault().newWatchService();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "no file watch service, polling " + dir + " only: " + e);
      }
      scan(Set.of());
      synced = true;
      thread = Thread.ofPlatform().daemon().name("nodemesh-filesource").start(this::run);
    }
    listener.changed();
  }

  private void run() {
    while (!closed) {
      Set<Path> touched = new HashSet<>();
      try {
        if (watchService == null) {
          Thread.sleep(POLL_MILLIS); // the poll is the fallback clock when no watch service exists
        } else {
          WatchKey key = watchService.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
          while (key != null) {
            Path base = (Path) key.watchable();
            key.pollEvents()
                .forEach(
                    e -> {
                      if (e.context() instanceof Path p) {
                        touched.add(base.resolve(p));
                      }
                    });
            key.reset();
            key = watchService.poll();
          }
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      if (closed) {
        return;
      }
      try {
        if (scan(touched)) {
          listener.changed();
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "scanning " + dir + " failed; will retry", e);
      }
    }
  }

  /** Re-reads new, changed and {@code touched} files; returns whether anything changed. */
  private boolean scan(Set<Path> touched) {
    Map<Path, FileState> before = files;
    Map<Path, FileState> after = new TreeMap<>();
    Problem newDirProblem = null;
    boolean changed = false;
    if (!Files.isDirectory(dir)) {
      newDirProblem =
          new Problem("File", null, dir.toString(), "directory", "is not a readable directory");
    } else {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          BasicFileAttributes attrs;
          try {
            attrs = Files.readAttributes(p, BasicFileAttributes.class);
          } catch (NoSuchFileException e) {
            continue;
          }
          if (attrs.isDirectory()) {
            watch(p);
            continue;
          }
          if (!attrs.isRegularFile() || !isConfigFile(p)) {
            continue;
          }
          long mtime = attrs.lastModifiedTime().toMillis();
          long size = attrs.size();
          FileState old = before.get(p);
          if (old != null
              && old.mtime == mtime
              && old.size == size
              && !touched.contains(p)
              && !old.emptyOnce) {
            after.put(p, old);
            continue;
          }
          if (size == 0 && old != null && !old.objects.isEmpty() && !old.emptyOnce) {
            // Saving truncates first: a file seen empty once is most likely being written. Only an
            // empty file that stays empty until the next scan removes its objects.
            after.put(p, new FileState(mtime, size, old.objects, old.problem, true));
            continue;
          }
          FileState fresh = read(p, mtime, size, old);
          if (stillBeingWritten(p, mtime, size)) {
            // Read again on the next scan, once the writer is done; keep what was in force.
            after.put(
                p,
                old == null
                    ? new FileState(-1, -1, List.of(), null)
                    : new FileState(-1, -1, old.objects, old.problem));
            continue;
          }
          after.put(p, fresh);
          changed |=
              old == null
                  || !old.objects.equals(fresh.objects)
                  || !Objects.equals(old.problem, fresh.problem);
        }
      } catch (IOException | UncheckedIOException e) {
        newDirProblem =
            new Problem("File", null, dir.toString(), "directory", "cannot be listed: " + e);
        after.putAll(before);
      }
    }
    changed |=
        !after.keySet().equals(before.keySet()) || !Objects.equals(dirProblem, newDirProblem);
    files = Map.copyOf(after);
    dirProblem = newDirProblem;
    return changed;
  }

  private static boolean stillBeingWritten(Path p, long mtime, long size) {
    try {
      BasicFileAttributes now = Files.readAttributes(p, BasicFileAttributes.class);
      return now.lastModifiedTime().toMillis() != mtime || now.size() != size;
    } catch (IOException e) {
      return true;
    }
  }

  private void watch(Path d) {
    if (watchService == null || watchedDirs.contains(d)) {
      return;
    }
    try {
      d.register(
          watchService,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      watchedDirs.add(d);
    } catch (IOException | ClosedWatchServiceException e) {
      LOG.log(Level.DEBUG, "cannot watch " + d + ", polling it: " + e);
    }
  }

  private static boolean isConfigFile(Path p) {
    String n = p.getFileName().toString();
    return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
  }

  private FileState read(Path p, long mtime, long size, FileState old) {
    String rel = dir.relativize(p).toString();
    List<HasMetadata> lastGood = old == null ? List.of() : old.objects;
    String text;
    try {
      text = Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      Problem problem = new Problem("File", null, rel, "file", "cannot be read: " + e.getMessage());
      return new FileState(mtime, size, lastGood, problem);
    }
    ManifestParser.Parsed parsed =
        parser.parse(rel, p.getFileName().toString().endsWith(".json"), text);
    if (parsed.problem() != null) {
      LOG.log(Level.WARNING, parsed.problem() + "; keeping the file's last good content");
      return new FileState(mtime, size, lastGood, parsed.problem());
    }
    return new FileState(mtime, size, parsed.objects(), null);
  }

  @Override
  public boolean hasSynced() {
    return synced;
  }

  @Override
  public SourceSnapshot snapshot() {
    List<HasMetadata> all = new ArrayList<>();
    new TreeMap<>(files).values().forEach(f -> all.addAll(f.objects));
    return SourceSnapshot.of(all);
  }

  @Override
  public List<Problem> problems() {
    List<Problem> out = new ArrayList<>();
    if (dirProblem != null) {
      out.add(dirProblem);
    }
    new TreeMap<>(files)
        .values().stream().map(FileState::problem).filter(Objects::nonNull).forEach(out::add);
    return List.copyOf(out);
  }

  /** The directory read, for logs. */
  public Path directory() {
    return dir;
  }

  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (lock) {
      t = thread;
    }
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing watch service: " + e);
      }
    }
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public String toString() {
    return "FileSource[" + dir + "]";
  }
}
