package dev.hashfinder.cli;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A live progress line on a terminal's stderr: hashes examined, rate, elapsed time and budget
 * used, redrawn a few times a second. Where the count is unknown (a remote server), the elapsed
 * time alone. Thread-safe.
 */
final class Progress implements AutoCloseable {
  private final PrintStream err;
  private final @Nullable LongSupplier hashes; // null: unknown
  private final long budget;
  private final @Nullable Supplier<String> detail; // null: none
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService ticker;

  private Progress(PrintStream err, @Nullable LongSupplier hashes, long budget,
      @Nullable Supplier<String> detail) {
    this.err = err;
    this.detail = detail;
    this.hashes = hashes;
    this.budget = budget;
    this.ticker = Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setNameFormat("hashfinder-progress").setDaemon(true).build());
    ticker.scheduleAtFixedRate(this::draw, 250, 250, TimeUnit.MILLISECONDS);
  }

  /**
   * Shows progress if stderr is a terminal and the user did not ask for quiet; else nothing.
   *
   * @param hashes the hashes examined so far, or null where they cannot be known
   * @param budget the budget, or {@link Long#MAX_VALUE} if unknown
   * @param detail more to show, such as a cluster's busy servers, or null
   */
  static AutoCloseable startIfTerminal(boolean quiet, @Nullable LongSupplier hashes, long budget,
      @Nullable Supplier<String> detail) {
    if (quiet || !stderrIsTerminal()) {
      return () -> { };
    }
    return new Progress(System.err, hashes, budget, detail);
  }

  private static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException e) {
      return System.console() != null; // no /proc: a console on stdin and stdout is the best sign
    }
  }

  private synchronized void draw() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    StringBuilder line = new StringBuilder("\r\033[K");
    if (hashes != null) {
      long count = hashes.getAsLong();
      line.append(String.format(Locale.ROOT, "%,d hashes  %.1f M/s  ", count,
          count / Math.max(seconds, 1e-9) / 1e6));
      if (budget != Long.MAX_VALUE) {
        line.append(String.format(Locale.ROOT, "%.0f%% of budget  ", 100.0 * count / budget));
      }
    } else {
      line.append("searching on the server  ");
    }
    if (detail != null) {
      line.append(detail.get());
    }
    line.append(String.format(Locale.ROOT, "%.1f s", seconds));
    err.print(line);
    err.flush();
  }

  /** Stops drawing and clears the line; closing again does nothing. */
  @Override
  public synchronized void close() {
    if (ticker.isShutdown()) {
      return;
    }
    ticker.shutdownNow();
    err.print("\r\033[K");
    err.flush();
  }
}
