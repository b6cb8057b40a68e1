package dev.hashfinder.cluster;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.concurrent.CancellationException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Logs the failure of a timer's task. A scheduled task that throws only fails its future, which
 * nobody reads when the task is fire-and-forget (a retry, a re-probe), so without this the
 * exception, and whatever the task had still to do, would vanish; a repeating task would stop.
 *
 * <p>Thread-safe: it keeps no state.
 */
final class TaskFailures {
  private static final Logger logger = Logger.getLogger(TaskFailures.class.getName());

  private TaskFailures() {
  }

  /**
   * Logs {@code task}'s failure, if it fails; a cancelled task has not failed.
   *
   * @param task the scheduled task's future
   * @param what what the task does, for the log line
   */
  static void log(ListenableFuture<?> task, String what) {
    Futures.addCallback(task, new FutureCallback<@Nullable Object>() {
      @Override
      public void onSuccess(@Nullable Object result) {
      }

      @Override
      public void onFailure(Throwable failure) {
        if (!(failure instanceof CancellationException)) {
          logger.log(Level.SEVERE, what + " failed", failure);
        }
      }
    }, MoreExecutors.directExecutor());
  }
}
