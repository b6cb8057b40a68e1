package dev.hashfinder.cli;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} that does not close its handlers when the JVM begins to shut down, so that
 * what a shutdown hook logs (a server's last calls ending with UNAVAILABLE) still gets out. The
 * JDK's own manager resets them in a shutdown hook of its own, racing ours.
 */
public final class QuietShutdownLogManager extends LogManager {
  private volatile boolean hooksDone;

  @Override
  public void reset() {
    if (hooksDone || !shuttingDown()) {
      super.reset();
    }
  }

  /** Closes the handlers once the command's own shutdown work is done. */
  static void flushAndClose() {
    if (LogManager.getLogManager() instanceof QuietShutdownLogManager manager) {
      manager.hooksDone = true;
      manager.reset();
    }
  }

  private static boolean shuttingDown() {
    try {
      Thread probe = new Thread(() -> { });
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}
