package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderService;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded soak on loopback: many concurrent clients mixing Find and FindRange, cancelling at
 * random moments, with deadlines and dropped connections. Every call must end with a definite
 * status; afterwards no search runs, the workers are idle and the heap is back near its baseline.
 * It reports calls per second and the time from a client's cancel to the server's worker being
 * free (the server closes a cancelled call only after its search's workers left).
 *
 * <p>Five seconds and 16 clients by default, so that the build stays fast; {@code -Psoak} runs a
 * minute with 48. The figures go to {@code target/soak-report.txt}.
 */
class ChurnSoakTest {
  private static final int SECONDS = Integer.getInteger("hashfinder.soak.seconds", 5);
  private static final int CLIENTS = Integer.getInteger("hashfinder.soak.clients", 16);
  /** Worker threads per search, and searches at once: 2 x 8 oversubscribes 2 cores on purpose. */
  private static final int THREADS = Integer.getInteger("hashfinder.soak.threads", 2);
  private static final int LIMIT = Integer.getInteger("hashfinder.soak.limit", 8);
  private static final Metadata.Key<String> CALL_ID =
      Metadata.Key.of("x-call-id", Metadata.ASCII_STRING_MARSHALLER);

  /** When each client cancelled its call, and when the server closed it, by call id. */
  private final Map<String, Long> cancelledAt = new ConcurrentHashMap<>();
  private final Map<String, Long> closedAt = new ConcurrentHashMap<>();
  /**
   * Calls whose handler the server ran, so that a cancel that beat its request there (no search,
   * nothing to free) is not counted.
   */
  private final Map<String, Boolean> serverSaw = new ConcurrentHashMap<>();
  private final Map<Status.Code, AtomicLong> outcomes = new EnumMap<>(Status.Code.class);
  private final AtomicLong calls = new AtomicLong();
  private final AtomicReference<Throwable> clientFailure = new AtomicReference<>();

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void churn_everyCallEndsDefinitely_andNothingIsLeftBehind() throws Exception {
    for (Status.Code code : Status.Code.values()) {
      outcomes.put(code, new AtomicLong());
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    int threadsBefore = Thread.activeCount();

    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(THREADS)
        .budget(ResourceBudget.ofHashes(2_000_000)).build();
    Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(ServerInterceptors.intercept(HashFinderService.create(engine, LIMIT),
            new CloseRecorder()))
        .build().start();
    ManagedChannel shared = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
        InsecureChannelCredentials.create()).build();
    // Two rounds of the same churn: the second must leave the heap where the first did.
    List<Double> cancelToFree = new ArrayList<>();
    long[] heapAfterRound = new long[2];
    long start = System.nanoTime();
    try {
      for (int round = 0; round < 2; round++) {
        churn(shared, server.getPort(), TimeUnit.SECONDS.toNanos(SECONDS) / 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.activeSearches() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
            .stream().noneMatch(t -> t.getName().startsWith("hashfinder-worker")
                && t.getState() == Thread.State.RUNNABLE));
        // Cancelled calls the server had seen: each was closed, after its workers left.
        await().atMost(Duration.ofSeconds(10))
            .until(() -> closedAt.keySet().containsAll(seenCancelled()));
        cancelToFree.addAll(cancelToFreeMillis());
        // The bookkeeping of this test is not the server's heap: let it go before measuring.
        cancelledAt.clear();
        closedAt.clear();
        serverSaw.clear();
        System.gc();
        heapAfterRound[round] = memory.getHeapMemoryUsage().getUsed();
      }
    } finally {
      shared.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      engine.close();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet()
        .stream().noneMatch(t -> t.getName().startsWith("hashfinder-worker")));
    int threadsAfter = Thread.activeCount();
    System.gc();
    long heapAfter = memory.getHeapMemoryUsage().getUsed();

    long definite = outcomes.entrySet().stream()
        .filter(e -> e.getKey() != Status.Code.UNKNOWN && e.getKey() != Status.Code.INTERNAL)
        .mapToLong(e -> e.getValue().get()).sum();
    assertThat(definite).as("calls with a definite status").isEqualTo(calls.get());
    assertThat(calls.get()).isPositive();
    assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(64L << 20);
    assertThat(heapAfterRound[1] - heapAfterRound[0]).as("heap growth in the second round")
        .isLessThan(8L << 20);
    report(elapsed, cancelToFree.stream().mapToDouble(Double::doubleValue).sorted().toArray(),
        heapBefore, heapAfterRound, heapAfter, threadsBefore, threadsAfter);
  }

  /** Runs every client for {@code nanos}, each call after the other, and waits for them. */
  private void churn(ManagedChannel shared, int port, long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    CountDownLatch done = new CountDownLatch(CLIENTS);
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      clients.execute(() -> {
        try {
          while (System.nanoTime() < deadline && clientFailure.get() == null) {
            oneCall(client, shared, port);
          }
        } catch (Throwable t) {
          clientFailure.compareAndSet(null, t);
        } finally {
          done.countDown();
        }
      });
    }
    assertThat(done.await(SECONDS + 120, TimeUnit.SECONDS)).as("clients finished").isTrue();
    clients.shutdown();
    assertThat(clientFailure.get()).as("a client broke").isNull();
  }

  private List<String> seenCancelled() {
    return cancelledAt.keySet().stream().filter(serverSaw::containsKey).toList();
  }

  /** One call of a random kind, ended in a random way. */
  private void oneCall(int client, ManagedChannel shared, int port) throws InterruptedException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    boolean ownChannel = random.nextInt(10) == 0; // a connection this client will drop
    ManagedChannel channel = ownChannel ? Grpc.newChannelBuilderForAddress("127.0.0.1", port,
        InsecureChannelCredentials.create()).build() : shared;
    String id = client + "-" + calls.incrementAndGet();
    HashNameRequest request = HashNameRequest.newBuilder()
        .setDesiredName(random.nextBoolean() ? "hashfinder" : "grpc")
        .setInterestingHammingDistance(random.nextInt(3))
        .build();
    boolean range = random.nextBoolean();
    CallOptions options = CallOptions.DEFAULT;
    if (random.nextInt(4) == 0) {
      options = options.withDeadlineAfter(20 + random.nextInt(200), TimeUnit.MILLISECONDS);
    }
    ClientCall<HashNameRequest, HashNameResponse> call = channel.newCall(
        range ? HashFinderGrpc.getFindRangeMethod() : HashFinderGrpc.getFindMethod(), options);
    CountDownLatch closed = new CountDownLatch(1);
    AtomicReference<Status> status = new AtomicReference<>();
    Metadata headers = new Metadata();
    headers.put(CALL_ID, id);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(HashNameResponse message) {
        call.request(1);
      }

      @Override
      public void onClose(Status s, Metadata trailers) {
        status.set(s);
        closed.countDown();
      }
    }, headers);
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    int ending = random.nextInt(3);
    if (ending == 0 && !closed.await(random.nextInt(60), TimeUnit.MILLISECONDS)) {
      cancelledAt.put(id, System.nanoTime());
      if (ownChannel) {
        channel.shutdownNow(); // the connection drops under the call
      } else {
        call.cancel("soak: cancelled at a random moment", null);
      }
    }
    assertThat(closed.await(60, TimeUnit.SECONDS)).as("call %s ended", id).isTrue();
    outcomes.get(status.get().getCode()).incrementAndGet();
    if (ownChannel) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Notes when the server closes each call; the service does so after the workers left. */
  private final class CloseRecorder implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String id = headers.get(CALL_ID);
      ServerCall<Q, R> recording = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          if (id != null) {
            closedAt.putIfAbsent(id, System.nanoTime());
          }
          super.close(status, trailers);
        }
      };
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(recording, headers)) {
        @Override
        public void onHalfClose() {
          if (id != null) {
            serverSaw.put(id, true); // the handler runs now: a search starts
          }
          super.onHalfClose();
        }
      };
    }
  }

  private List<Double> cancelToFreeMillis() {
    List<Double> latencies = new ArrayList<>();
    for (String id : seenCancelled()) {
      Long cancelled = cancelledAt.get(id);
      Long closed = closedAt.get(id);
      if (closed != null && closed >= cancelled) {
        latencies.add((closed - cancelled) / 1e6);
      }
    }
    return latencies;
  }

  private void report(double elapsed, double[] sorted, long heapBefore, long[] heapAfterRound,
      long heapAfter, int threadsBefore, int threadsAfter) throws IOException {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT, "churn soak: %d clients for %.1f s (two rounds) on "
        + "loopback, %d worker threads per search, at most %d searches at once, %d cores%n",
        CLIENTS, elapsed, THREADS, LIMIT, Runtime.getRuntime().availableProcessors()));
    text.append(String.format(Locale.ROOT, "calls: %d (%.1f per second)%n", calls.get(),
        calls.get() / elapsed));
    outcomes.forEach((code, count) -> {
      if (count.get() > 0) {
        text.append(String.format(Locale.ROOT, "  %-18s %d%n", code, count.get()));
      }
    });
    if (sorted.length > 0) {
      text.append(String.format(Locale.ROOT,
          "cancel to worker free, ms (%d cancels the server saw): p50 %.2f, p99 %.2f, max %.2f%n",
          sorted.length, percentile(sorted, 0.50), percentile(sorted, 0.99),
          sorted[sorted.length - 1]));
    }
    text.append(String.format(Locale.ROOT, "heap after GC: %d MiB before, %d MiB after the "
        + "first round, %d MiB after the second, %d MiB after shutdown%n", heapBefore >> 20,
        heapAfterRound[0] >> 20, heapAfterRound[1] >> 20, heapAfter >> 20));
    text.append(String.format(Locale.ROOT, "live threads: %d before, %d after "
        + "(no engine worker left; gRPC's shared executors idle out after a minute)%n",
        threadsBefore, threadsAfter));
    System.out.print(text);
    Files.writeString(Path.of("target", "soak-report.txt"), text, StandardCharsets.UTF_8);
  }

  private static double percentile(double[] sorted, double p) {
    return sorted[(int) Math.floor(p * (sorted.length - 1))];
  }
}
