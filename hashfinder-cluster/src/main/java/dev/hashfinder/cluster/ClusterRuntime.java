package dev.hashfinder.cluster;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import com.google.common.util.concurrent.ListeningScheduledExecutorService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where a cluster's time and threads come from: the ticker every "now" is read from (range
 * deadlines, cool-downs, rates, busy time), the threads searches run their events on, and the
 * timer of the searches' ticks, the backends' backoff and the re-resolving. A running cluster uses
 * the {@linkplain #system() system's}; a simulation hands in a virtual clock and one thread, so
 * that thousands of backends run in virtual time.
 *
 * @param ticker nanoseconds, read for every "now"
 * @param executor runs the searches' events (each search's on one sequential executor over it)
 * @param scheduler runs every timer; listening, so that a task's failure can be logged (its
 *     {@code ScheduledFuture} alone would keep it)
 */
record ClusterRuntime(Ticker ticker, ExecutorService executor,
    ListeningScheduledExecutorService scheduler) {
  ClusterRuntime {
    requireNonNull(ticker, "ticker");
    requireNonNull(executor, "executor");
    requireNonNull(scheduler, "scheduler");
  }

  /** {@return {@link System#nanoTime()}, a cached pool of daemon threads and one timer thread} */
  static ClusterRuntime system() {
    return new ClusterRuntime(Ticker.systemTicker(),
        Executors.newCachedThreadPool(new ThreadFactoryBuilder()
            .setNameFormat("hashfinder-cluster-%d").setDaemon(true).build()),
        MoreExecutors.listeningDecorator(Executors.newSingleThreadScheduledExecutor(
            new ThreadFactoryBuilder().setNameFormat("hashfinder-cluster-timer").setDaemon(true)
                .build())));
  }

  /** {@return the ticker's value now} */
  long nanoTime() {
    return ticker.read();
  }
}
