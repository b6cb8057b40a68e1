package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reader that takes one message at a time, slowly, from a FindRange in which every candidate
 * qualifies: the server's search waits for it instead of hashing on, its heap stays flat, and a
 * cancel frees everything. Prints the figures docs/RELIABILITY.md quotes.
 */
class SlowReaderTest {
  private static final int READS = Integer.getInteger("hashfinder.slowReader.reads", 8);
  private static final long PAUSE_MILLIS =
      Long.getLong("hashfinder.slowReader.pauseMillis", 250);

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aSlowReader_holdsTheSearch_withFlatHeapAndIdleWorkers() throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build();
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine).start()) {
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
          InsecureChannelCredentials.create()).build();
      try {
        Semaphore arrived = new Semaphore(0);
        AtomicReference<Status> closed = new AtomicReference<>();
        ClientCall<HashNameRequest, HashNameResponse> call =
            channel.newCall(HashFinderGrpc.getFindRangeMethod(), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
          @Override
          public void onMessage(HashNameResponse message) {
            arrived.release();
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.set(status);
          }
        }, new Metadata());
        call.sendMessage(HashNameRequest.newBuilder().setDesiredName("hashfinder")
            .setInterestingHammingDistance(10).build()); // as long as the name: all qualify
        call.halfClose();

        long[] heap = new long[READS];
        long[] examined = new long[READS];
        long workerCpuStart = 0;
        for (int read = 0; read < READS; read++) {
          call.request(1);
          assertThat(arrived.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
          if (read == 0) {
            // Let the transport's buffers fill and the workers park, then start measuring.
            await().atMost(Duration.ofSeconds(20)).until(() -> workersParked());
            workerCpuStart = workerCpuNanos(threads);
          }
          Thread.sleep(PAUSE_MILLIS); // the slow reader's own pace, not a wait for an event
          System.gc();
          heap[read] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          examined[read] = engine.hashesExamined();
        }
        long workerCpu = workerCpuNanos(threads) - workerCpuStart;
        double seconds = (READS - 1) * PAUSE_MILLIS / 1000.0 + PAUSE_MILLIS / 1000.0;

        call.cancel("done reading", null);
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() != null);

        long heapSpread = java.util.Arrays.stream(heap).max().orElseThrow()
            - java.util.Arrays.stream(heap).min().orElseThrow();
        System.out.printf(Locale.ROOT, "slow reader: %d reads %d ms apart; hashes examined %d "
                + "after the first read, %d after the last; worker CPU %.1f ms in %.1f s; "
                + "heap after GC %d..%d KiB%n",
            READS, PAUSE_MILLIS, examined[0], examined[READS - 1], workerCpu / 1e6, seconds,
            java.util.Arrays.stream(heap).min().orElseThrow() >> 10,
            java.util.Arrays.stream(heap).max().orElseThrow() >> 10);
        // The search waits: each message read lets it go a little, never far.
        assertThat(examined[READS - 1] - examined[0]).isLessThan(20L * 8192);
        assertThat(workerCpu / 1e9).as("worker CPU seconds").isLessThan(0.25 * seconds);
        assertThat(heapSpread).as("heap spread").isLessThan(16L << 20);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Whether the search's workers exist and all wait; none would be a search that ended. */
  private static boolean workersParked() {
    java.util.List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("hashfinder-worker"))
        .filter(Thread::isAlive)
        .toList();
    return !workers.isEmpty() && workers.stream().allMatch(t -> t.getState()
        == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
  }

  private static long workerCpuNanos(ThreadMXBean threads) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("hashfinder-worker"))
        .mapToLong(t -> Math.max(0, threads.getThreadCpuTime(t.getId())))
        .sum();
  }
}
