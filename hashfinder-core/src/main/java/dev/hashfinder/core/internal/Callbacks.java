package dev.hashfinder.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Runs code when a future completes without losing what that code throws.
 *
 * <p>{@link CompletableFuture#whenComplete} returns a new future that holds whatever its action
 * throws; a caller that only wants the action run never reads that future, so an exception there
 * (a bug, or an executor that refused the action) would vanish, and with it whatever the action
 * had still to do. Here the action's own failure goes to a handler the caller names, typically its
 * logger; the completed future's failure is the action's to handle, as with {@code whenComplete}.
 *
 * <p>Thread-safe: it keeps no state.
 */
public final class Callbacks {
  private Callbacks() {
  }

  /**
   * Runs {@code action} when {@code future} completes, on the thread that completes it (or on
   * this one if it has completed already), as {@link CompletableFuture#whenComplete} does.
   *
   * @param future the future to wait for
   * @param action takes the result, or null and the failure
   * @param actionFailed takes what {@code action} throws
   * @param <T> the future's result
   */
  public static <T> void whenComplete(CompletableFuture<T> future,
      BiConsumer<? super @Nullable T, ? super @Nullable Throwable> action,
      Consumer<Throwable> actionFailed) {
    requireNonNull(action, "action");
    requireNonNull(actionFailed, "actionFailed");
    // handle's future fails only if the action throws, so exceptionally sees only that.
    future.handle((result, failure) -> {
      action.accept(result, failure);
      return null;
    }).exceptionally(thrown -> report(thrown, actionFailed));
  }

  /**
   * Runs {@code action} on {@code executor} when {@code future} completes, as {@link
   * CompletableFuture#whenCompleteAsync(BiConsumer, Executor)} does; an executor that refuses the
   * action is a failure of the action.
   *
   * @param future the future to wait for
   * @param action takes the result, or null and the failure
   * @param executor runs {@code action}
   * @param actionFailed takes what {@code action} throws, or the executor's refusal
   * @param <T> the future's result
   */
  public static <T> void whenCompleteAsync(CompletableFuture<T> future,
      BiConsumer<? super @Nullable T, ? super @Nullable Throwable> action, Executor executor,
      Consumer<Throwable> actionFailed) {
    requireNonNull(action, "action");
    requireNonNull(executor, "executor");
    requireNonNull(actionFailed, "actionFailed");
    future.handleAsync((result, failure) -> {
      action.accept(result, failure);
      return null;
    }, executor).exceptionally(thrown -> report(thrown, actionFailed));
  }

  private static @Nullable Void report(Throwable thrown, Consumer<Throwable> actionFailed) {
    actionFailed.accept(thrown instanceof CompletionException && thrown.getCause() != null
        ? thrown.getCause() : thrown);
    return null;
  }
}
