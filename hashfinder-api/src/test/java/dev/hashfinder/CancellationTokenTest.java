package dev.hashfinder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CancellationTokenTest {

  @Test
  void cancel_runsEachCallbackOnceInOrder() {
    CancellationToken token = new CancellationToken();
    List<String> calls = new ArrayList<>();
    token.onCancel(() -> calls.add("first"));
    token.onCancel(() -> calls.add("second"));

    assertThat(token.cancel()).isTrue();
    assertThat(token.cancel()).isFalse();

    assertThat(calls).containsExactly("first", "second");
    assertThat(token.isCancelled()).isTrue();
  }

  @Test
  void onCancel_afterCancellation_runsAtOnce() {
    CancellationToken token = new CancellationToken();
    token.cancel();
    AtomicInteger runs = new AtomicInteger();

    token.onCancel(runs::incrementAndGet);

    assertThat(runs).hasValue(1);
  }

  @Test
  void closedRegistration_doesNotRun() {
    CancellationToken token = new CancellationToken();
    AtomicInteger runs = new AtomicInteger();
    token.onCancel(runs::incrementAndGet).close();

    token.cancel();

    assertThat(runs).hasValue(0);
  }

  @Test
  void sameCallbackRegisteredTwice_runsTwice() {
    CancellationToken token = new CancellationToken();
    AtomicInteger runs = new AtomicInteger();
    Runnable callback = runs::incrementAndGet;
    token.onCancel(callback);
    token.onCancel(callback).close();
    token.onCancel(callback);

    token.cancel();

    assertThat(runs).hasValue(2);
  }

  @Test
  void throwingCallback_doesNotStopTheOthers_andIsRethrown() {
    CancellationToken token = new CancellationToken();
    AtomicInteger runs = new AtomicInteger();
    token.onCancel(() -> {
      throw new IllegalStateException("first");
    });
    token.onCancel(runs::incrementAndGet);
    token.onCancel(() -> {
      throw new IllegalStateException("third");
    });

    assertThatThrownBy(token::cancel)
        .hasMessage("first")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(runs).hasValue(1);
    assertThat(token.isCancelled()).isTrue();
  }

  @Test
  void cancelFromManyThreads_runsCallbackExactlyOnce() throws Exception {
    CancellationToken token = new CancellationToken();
    AtomicInteger runs = new AtomicInteger();
    token.onCancel(runs::incrementAndGet);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger winners = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (token.cancel()) {
          winners.incrementAndGet();
        }
      });
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(5));
      assertThat(thread.isAlive()).as("a cancelling thread is stuck").isFalse();
    }

    assertThat(runs).hasValue(1);
    assertThat(winners).hasValue(1);
  }
}
