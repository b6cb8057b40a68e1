package dev.hashfinder;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A one-way signal that asks work to stop: its owner {@linkplain #cancel() cancels} it, the work
 * {@linkplain #isCancelled() polls} it or {@linkplain #onCancel(Runnable) subscribes} to it.
 *
 * <p>Thread-safe. Callbacks run exactly once, on the thread that cancels, or at once on the
 * registering thread if the token is already cancelled.
 */
public final class CancellationToken {
  private volatile boolean cancelled;
  // Guarded by this; null once cancelled.
  private @Nullable Set<Runnable> callbacks = new LinkedHashSet<>();

  /** Creates a token that is not cancelled. */
  public CancellationToken() {}

  /**
   * Cancels this token and runs its callbacks, each once, in the order they were registered.
   *
   * <p>A callback that throws does not keep the others from running; the first such exception is
   * rethrown after all of them ran, with the rest suppressed.
   *
   * @return true if this call cancelled the token, false if it was cancelled already
   */
  public boolean cancel() {
    List<Runnable> toRun = takeCallbacks();
    if (toRun == null) {
      return false;
    }
    RuntimeException failure = null;
    for (Runnable callback : toRun) {
      try {
        callback.run();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return true;
  }

  /** Marks the token cancelled and hands over its callbacks; null if it was cancelled already. */
  private synchronized @Nullable List<Runnable> takeCallbacks() {
    Set<Runnable> pending = callbacks;
    if (pending == null) {
      return null;
    }
    cancelled = true;
    List<Runnable> toRun = new ArrayList<>(pending);
    callbacks = null;
    return toRun;
  }

  /** {@return whether this token has been cancelled} Cheap enough to call in a loop. */
  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * Runs {@code callback} once when this token is cancelled, or at once on this thread if it is
   * already. Callbacks should be quick and must not block.
   *
   * @param callback what to run on cancellation
   * @return a registration whose {@link Registration#close() close} removes the callback if it has
   *     not run yet
   */
  public Registration onCancel(Runnable callback) {
    Objects.requireNonNull(callback, "callback");
    // A distinct wrapper per call, so that registering the same callback twice runs it twice and
    // closing one registration leaves the other in place.
    Runnable entry = () -> callback.run();
    synchronized (this) {
      // Null exactly when cancelled: both change together, under this lock.
      Set<Runnable> pending = callbacks;
      if (pending != null) {
        pending.add(entry);
        return () -> remove(entry);
      }
    }
    callback.run();
    return () -> {};
  }

  private synchronized void remove(Runnable entry) {
    if (callbacks != null) {
      callbacks.remove(entry);
    }
  }

  @Override
  public String toString() {
    return cancelled ? "CancellationToken{cancelled}" : "CancellationToken{active}";
  }

  /**
   * A callback's place on a token. Closing it removes the callback if it has not run; closing
   * twice, or after the callback ran, does nothing. Thread-safe.
   */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    /** Removes the callback if it has not run yet. */
    @Override
    void close();
  }
}
