package dev.hashfinder.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the service does beyond the shared contract: limits, shutdown, flow control, bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HashFinderServiceTest {
  private static final Query UNREACHABLE = Query.of("hashfinder", 0);

  private final List<Thread> workers = new CopyOnWriteArrayList<>();
  private final ThreadPoolExecutor executor = new ThreadPoolExecutor(0, 64, 1, TimeUnit.SECONDS,
      new SynchronousQueue<>(), runnable -> {
        Thread thread = new Thread(runnable, "service-test-worker");
        thread.setDaemon(true);
        workers.add(thread);
        return thread;
      });
  private final HashFinderEngine engine =
      HashFinderEngine.newBuilder().threads(2).executor(executor).build();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void noWorkerIsLeftRunning() throws Exception {
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
      await().atMost(Duration.ofSeconds(5)).until(() -> executor.getActiveCount() == 0);
    } finally {
      Collections.reverse(closeables);
      for (AutoCloseable closeable : closeables) {
        closeable.close();
      }
      engine.close();
      executor.shutdown();
    }
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  @Test
  void beyondTheConcurrencyLimit_aCallIsRefusedAtOnce_andServedOnceASlotFrees()
      throws Exception {
    InProcessHashFinder hashfinder = closeLater(InProcessHashFinder.start(engine, 1));
    CompletableFuture<?> first = hashfinder.client().find(UNREACHABLE);
    await().until(() -> engine.hashesExamined() > 0);

    Throwable refused = failure(hashfinder.client().find(Query.of("aa", 0)));

    assertThat(refused).isInstanceOf(FinderBusyException.class)
        .hasMessageContaining("limit of 1 concurrent searches");
    assertThat(refused.getCause()).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(errorInfo(e).getReason()).isEqualTo("TOO_MANY_SEARCHES");
    });
    first.cancel(true);
    await().until(() -> hashfinder.service().runningSearches() == 0);
    assertThat(hashfinder.client().find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS)
        .secretBase64()).isEqualTo("ZA==");
  }

  @Test
  void budgetExhaustion_carriesErrorInfoWithTheCount() {
    InProcessHashFinder hashfinder = closeLater(InProcessHashFinder.start(engine));
    HashFinderGrpc.HashFinderBlockingStub stub =
        HashFinderGrpc.newBlockingStub(hashfinder.channel());

    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> stub.find(HashNameRequest.newBuilder()
            .setDesiredName("hashfinder").setMaxHashes(777).build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription())
        .isEqualTo("budget of 777 hashes exhausted after examining 777 hashes");
    ErrorInfo info = errorInfo(e);
    assertThat(info.getReason()).isEqualTo("BUDGET_EXHAUSTED");
    assertThat(info.getMetadataMap()).containsEntry("hashes_examined", "777")
        .containsEntry("limit_value", "777").containsEntry("limit", "HASHES");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''          | 0  | 0  | 0  | ''        | desired_name is empty",
      "aa          | -1 | 0  | 0  | ''        | ideal_hamming_distance < 0: -1",
      "aa          | 0  | -3 | 0  | ''        | interesting_hamming_distance < 0: -3",
      "aa          | 0  | 0  | -5 | ''        | max_hashes < 0: -5",
      "aa          | 0  | 0  | 0  | WHIRLPOOL | algorithm names an unknown digest \"WHIRLPOOL\"; available: SHA-1",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa | 0 | 0 | 0 | '' | desired_name has 29 characters, more than the 28 of a SHA-1 hash text"})
  void malformedRequests_getInvalidArgumentNamingTheField_andTheNextCallIsServed(
      String name, int ideal, int interesting, long maxHashes, String algorithm, String message) {
    HashFinderEngine sha1Only = HashFinderEngine.newBuilder().threads(1)
        .algorithms(dev.hashfinder.core.HashAlgorithms.sha1()).build();
    closeLater(sha1Only);
    InProcessHashFinder hashfinder = closeLater(InProcessHashFinder.start(sha1Only));
    HashFinderGrpc.HashFinderBlockingStub stub =
        HashFinderGrpc.newBlockingStub(hashfinder.channel());

    assertThatThrownBy(() -> stub.find(HashNameRequest.newBuilder()
        .setDesiredName(name).setIdealHammingDistance(ideal)
        .setInterestingHammingDistance(interesting).setMaxHashes(maxHashes)
        .setAlgorithm(algorithm).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    assertThat(stub.find(HashNameRequest.newBuilder().setDesiredName("aa").build()).getSecret())
        .isEqualTo("ZA==");
  }

  @Test
  void aRemoteDeadline_endsTheSearchWithDeadlineExceeded() {
    InProcessHashFinder hashfinder = closeLater(InProcessHashFinder.start(engine));
    HashFinderGrpc.HashFinderBlockingStub stub = HashFinderGrpc
        .newBlockingStub(hashfinder.channel()).withDeadlineAfter(200, TimeUnit.MILLISECONDS);

    assertThatThrownBy(() -> stub.find(
        HashNameRequest.newBuilder().setDesiredName("hashfinder").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
  }

  @Test
  void aClientBudget_isCappedByTheServers() throws Exception {
    HashFinderEngine capped = closeLater(HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.ofHashes(100)).build());
    InProcessHashFinder hashfinder = closeLater(InProcessHashFinder.start(capped));

    Throwable failure = failure(hashfinder.client().find(UNREACHABLE,
        ResourceBudget.ofHashes(1_000_000), new dev.hashfinder.CancellationToken()));

    assertThat(failure).isInstanceOfSatisfying(dev.hashfinder.BudgetExhaustedException.class,
        e -> assertThat(e.hashesExamined()).isEqualTo(100));
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    return StatusProto.fromThrowable(e).getDetailsList().stream()
        .filter(any -> any.is(ErrorInfo.class))
        .map(any -> {
          try {
            return any.unpack(ErrorInfo.class);
          } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new AssertionError(ex);
          }
        })
        .findFirst().orElseThrow();
  }

  private static Throwable failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("succeeded: " + future.join());
  }
}
