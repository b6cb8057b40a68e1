package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.cluster.ForgingBackend.Forgery;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A cluster whose first backend forges what it answers, next to honest servers: the cluster's
 * answer is still one engine's answer, and the forger is dropped with one WARNING naming it and
 * why.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterForgeryTest {
  private static final Logger CLUSTER_LOG = Logger.getLogger("dev.hashfinder.cluster");

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Handler recorder = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final HashFinderEngine one = closeLater(HashFinderEngine.newBuilder().threads(2)
      .budget(ResourceBudget.unlimited()).build());

  @BeforeEach
  void recordWarnings() {
    CLUSTER_LOG.addHandler(recorder);
  }

  @AfterEach
  void close() throws Exception {
    CLUSTER_LOG.removeHandler(recorder);
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** Two honest in-process servers, each with an engine of its own. */
  private String honest(String prefix) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1)
          .budget(ResourceBudget.unlimited()).build());
      closeLater(InProcessBackend.start(prefix + i, engine));
      names.add(prefix + i);
    }
    return String.join(",", names);
  }

  /** Serves {@code service} in-process under {@code name}; returns its target. */
  private String serve(BindableService service, String name) throws IOException {
    Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
    closeLater(() -> server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    return name;
  }

  private ForgingBackend forger(Forgery forgery) {
    return new ForgingBackend(forgery, closeLater(HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build()));
  }

  private HashFinderCluster.Builder cluster(String targets) {
    return HashFinderCluster.newBuilder(targets)
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(50))
        .unavailableGrace(Duration.ofSeconds(5));
  }

  /** The WARNING lines that name {@code backend}. */
  private List<String> warningsAbout(String backend) {
    return warnings.stream().map(LogRecord::getMessage)
        .filter(message -> message.contains("backend " + backend + " ")).toList();
  }

  @ParameterizedTest
  @EnumSource(names = {"WRONG_SECRET", "WRONG_HASHED_NAME", "WRONG_DISTANCE", "OUTSIDE_RANGE",
      "MALFORMED"}) // OVERSIZED needs a network channel: ClusterNetworkForgeryTest, in examples
  void aBackendThatForgesItsAnswer_isDroppedWithOneWarning_andFindGivesOneEnginesAnswer(
      Forgery forgery) throws Exception {
    ForgingBackend forger = forger(forgery);
    String fake = serve(forger, "forger-" + forgery);
    HashFinderCluster cluster = closeLater(cluster(fake + "," + honest("find-" + forgery + "-"))
        .build());
    Query query = Query.of("aa", 0);

    Match answer = cluster.find(query, ResourceBudget.ofHashes(2_000_000),
        new CancellationToken()).get(60, TimeUnit.SECONDS);

    assertThat(answer).isEqualTo(one.find(query).get(30, TimeUnit.SECONDS));
    assertThat(forger.requests).as("the forger was dealt a range")
        .anyMatch(request -> !ForgingBackend.isProbe(request));
    assertThat(warningsAbout(fake)).singleElement().asString()
        .startsWith("backend " + fake + " is dropped: it " + forgery.warning)
        .endsWith("; its ranges are dealt again, and it takes no work until it passes the probe "
            + "again, in 10s");
  }

  @ParameterizedTest
  @EnumSource(names = {"OUT_OF_ORDER", "TOO_MANY", "FORGED_IDEAL", "ENDS_EARLY"})
  void aBackendThatForgesItsStream_isDroppedWithOneWarning_andFindRangeStreamsOneEnginesStream(
      Forgery forgery) throws Exception {
    ForgingBackend forger = forger(forgery);
    String fake = serve(forger, "streamer-" + forgery);
    HashFinderCluster cluster = closeLater(
        cluster(fake + "," + honest("range-" + forgery + "-")).build());
    // "grpc" is first within distance 0 at index 67,087; within 2, one index in eight or so.
    Query query = Query.of("grpc", 0)
        .withInterestingDistance(forgery == Forgery.TOO_MANY ? 2 : 1);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());
    List<Match> expected = Collections.synchronizedList(new ArrayList<>());

    cluster.findRange(query, ResourceBudget.ofHashes(2_000_000), new CancellationToken(),
        streamed::add).get(60, TimeUnit.SECONDS);

    one.findRange(query, ResourceBudget.unlimited(), new CancellationToken(), expected::add)
        .get(60, TimeUnit.SECONDS);
    assertThat(streamed).hasSizeGreaterThan(forgery == Forgery.TOO_MANY ? 1024 : 2)
        .containsExactlyElementsOf(expected);
    assertThat(warningsAbout(fake)).singleElement().asString()
        .startsWith("backend " + fake + " is dropped: it ")
        .contains(forgery.warning);
  }

  @Test
  void aDroppedBackend_takesNoWorkUntilItPassesTheProbeAgain() throws Exception {
    ForgingBackend forger = forger(Forgery.WRONG_HASHED_NAME);
    String fake = serve(forger, "reprobed");
    HashFinderCluster cluster = closeLater(cluster(fake + "," + honest("reprobed-"))
        .rangesPerBackend(1)
        .firstDropWait(Duration.ZERO)
        .build());
    Query unreachable = Query.of("hashfinder", 0);

    await().atMost(Duration.ofSeconds(60)).until(() -> {
      assertThat(failure(cluster.find(unreachable, ResourceBudget.ofHashes(300_000),
          new CancellationToken()))).isInstanceOfSatisfying(BudgetExhaustedException.class,
              e -> assertThat(e.hashesExamined()).isEqualTo(300_000));
      return forger.requests.stream().filter(r -> !ForgingBackend.isProbe(r)).count() >= 3;
    });

    List<HashNameRequest> requests = List.copyOf(forger.requests);
    for (int i = 0; i < requests.size(); i++) {
      if (!ForgingBackend.isProbe(requests.get(i))) {
        assertThat(i).as("request %d is a range", i).isPositive();
        assertThat(ForgingBackend.isProbe(requests.get(i - 1)))
            .as("the request before range request %d is a probe", i).isTrue();
      }
    }
    assertThat(warningsAbout(fake)).hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(warning -> assertThat(warning).contains(" is dropped: it answered a match "
            + "that fails its proof: its hashed_name is not the SHA-1 digest of the secret"));
  }

  @Test
  void aBackendThatForgesItsProbe_isRefusedByName() throws IOException {
    HashFinderGrpc.HashFinderImplBase forgesEverything = new HashFinderGrpc.HashFinderImplBase() {
      @Override
      public void find(HashNameRequest request, StreamObserver<HashNameResponse> responses) {
        // The secret at index 1 is the byte 0, "AA==", but this is not its digest.
        responses.onNext(HashNameResponse.newBuilder().setIndex(request.getFirstIndex())
            .setSecret("AA==").setHashedName("aaaaaaaaaaaaaaaaaaaaaaaaaaa=").build());
        responses.onCompleted();
      }
    };
    String fake = serve(forgesEverything, "forged-probe");
    String good = honest("beside-forged-probe-");

    assertThatThrownBy(() -> cluster(good + "," + fake).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("not hashfinder servers, refused as cluster backends: forged-probe (not a "
            + "hashfinder server: its probe's answer fails the proof: its hashed_name is not "
            + "the SHA-1 digest of the secret at index 1)");
  }

  @Test
  void aQueryTheClusterCannotProve_isRefusedBeforeAnyBackendIsAsked() throws Exception {
    ForgingBackend forger = forger(Forgery.WRONG_SECRET);
    String fake = serve(forger, "never-asked");
    HashFinderCluster cluster = closeLater(cluster(fake).build());
    int probes = forger.requests.size();

    assertThat(failure(cluster.find(Query.of("aa", 0).withAlgorithm("NO-SUCH-HASH"))))
        .isInstanceOf(dev.hashfinder.InvalidQueryException.class)
        .hasMessageContaining("names an unknown digest \"NO-SUCH-HASH\"");
    assertThat(forger.requests).hasSize(probes);
  }

  private static Throwable failure(CompletableFuture<?> search) throws Exception {
    try {
      search.get(60, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
