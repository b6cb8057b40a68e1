package dev.hashfinder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** Code run when a future completes: what it throws reaches the caller's handler. */
class CallbacksTest {
  private final List<Throwable> reported = new CopyOnWriteArrayList<>();
  private final List<Object> seen = new CopyOnWriteArrayList<>();

  @Test
  void anActionThatThrows_reachesTheHandler_unwrapped() {
    CompletableFuture<String> future = new CompletableFuture<>();
    IllegalStateException bug = new IllegalStateException("the action's own bug");
    Callbacks.whenComplete(future, (result, failure) -> {
      throw bug;
    }, reported::add);

    future.complete("done");

    assertThat(reported).containsExactly(bug);
  }

  @Test
  void theFuturesOwnFailure_goesToTheAction_notToTheHandler() {
    CompletableFuture<String> future = new CompletableFuture<>();
    IllegalArgumentException failed = new IllegalArgumentException("the search failed");
    Callbacks.whenComplete(future, (result, failure) -> seen.add(failure), reported::add);

    future.completeExceptionally(failed);

    assertThat(seen).containsExactly(failed);
    assertThat(reported).isEmpty();
  }

  @Test
  void onAFutureDoneAlready_theActionRunsAtOnce() {
    Callbacks.whenComplete(CompletableFuture.completedFuture("done"),
        (result, failure) -> seen.add(result), reported::add);

    assertThat(seen).containsExactly("done");
    assertThat(reported).isEmpty();
  }

  @Test
  void anExecutorThatRefusesTheAction_reachesTheHandler() {
    CompletableFuture<String> future = new CompletableFuture<>();
    Callbacks.whenCompleteAsync(future, (result, failure) -> seen.add(result), command -> {
      throw new RejectedExecutionException("closing");
    }, reported::add);

    future.complete("done");

    assertThat(seen).isEmpty();
    assertThat(reported).singleElement().isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void onItsExecutor_theActionGetsTheResult() {
    CompletableFuture<String> future = new CompletableFuture<>();
    Callbacks.whenCompleteAsync(future, (result, failure) -> seen.add(result), Runnable::run,
        reported::add);

    future.complete("done");

    assertThat(seen).containsExactly("done");
    assertThat(reported).isEmpty();
  }
}
