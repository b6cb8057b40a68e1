package dev.hashfinder.cli;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListeningScheduledExecutorService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
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
  private final ListeningScheduledExecutorService ticker;

  private Progress(PrintStream err, @Nullable LongSupplier hashes, long budget,
      @Nullable Supplier<String> detail) {
    this.err = err;
    this.detail = detail;
    this.hashes = hashes;
    this.budget = budget;
    this.ticker = MoreExecutors.listeningDecorator(Executors.newSingleThreadScheduledExecutor(
        new ThreadFactoryBuilder().setNameFormat("hashfinder-progress").setDaemon(true).build()));
    // A drawing that throws ends the repeating task; say so rather than freeze the line silently.
    Futures.addCallback(ticker.scheduleAtFixedRate(this::draw, 250, 250, TimeUnit.MILLISECONDS),
        new FutureCallback<@Nullable Object>() {
          @Override
          public void onSuccess(@Nullable Object result) {
          }

          @Override
          public void onFailure(Throwable failure) {
            if (!(failure instanceof CancellationException)) {
              err.println("\r\033[Kno more progress: " + failure);
            }
          }
        }, MoreExecutors.directExecutor());
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
      return consoleIsTerminal(); // no /proc: a console on stdin and stdout is the best sign
    }
  }

  /**
   * Whether the JVM's console is a terminal. From JDK 22 {@code System.console()} returns a
   * console even when the streams are redirected, and {@code Console.isTerminal()} (JDK 22, so
   * called reflectively here) tells; before, a console at all meant a terminal.
   */
  @SuppressWarnings("SystemConsoleNull") // the null check is for JDK 17 to 21, where it holds
  private static boolean consoleIsTerminal() {
    Console console = System.console();
    if (console == null || Runtime.version().feature() < 22) {
      return console != null;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return false; // no way to tell: no progress line rather than escape codes in a file
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
