package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.Digester;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.FinderFailedException;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.HashAlgorithm;
import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.HashFinderService;
import dev.hashfinder.grpc.InProcessHashFinder;
import dev.hashfinder.grpc.Outcomes;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
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

/** What a library owes its users beyond answers: quiet logs, idempotent close, typed endings. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LibraryMannersTest {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler recorder = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final Logger root = Logger.getLogger("");
  private final Logger library = Logger.getLogger("dev.hashfinder");
  private Level libraryLevel;

  @BeforeEach
  void recordEveryLogRecord() {
    libraryLevel = library.getLevel();
    library.setLevel(Level.ALL); // see what the library logs below INFO too
    recorder.setLevel(Level.ALL);
    root.addHandler(recorder);
  }

  @AfterEach
  void stopRecording() {
    root.removeHandler(recorder);
    library.setLevel(libraryLevel);
  }

  private List<LogRecord> atLeast(Level level) {
    return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue()).toList();
  }

  @Test
  void closingTwice_isIdempotentAndQuiet() throws Exception {
    HashFinderEngine fixtureEngine = HashFinderEngine.newBuilder().threads(1).build();
    InProcessHashFinder fixture = InProcessHashFinder.start(fixtureEngine);
    HashFinderEngine serverEngine = HashFinderEngine.newBuilder().threads(1).build();
    HashFinderServer server = HashFinderServer.forPort(0).finder(serverEngine).start();
    assertThat(server.isTerminated()).isFalse();

    fixture.close();
    fixture.close();
    server.close();
    server.close();
    server.awaitTermination();

    assertThat(server.isTerminated()).isTrue();
    ManagedChannel late = InProcessChannelBuilder.forName(fixture.name()).build();
    try {
      assertThat(failure(HashFinderClient.create(late).find(Query.of("aa", 0))))
          .as("the fixture closes its server").isInstanceOf(FinderUnavailableException.class);
    } finally {
      late.shutdownNow();
    }
    assertThat(failure(fixtureEngine.find(Query.of("aa", 0))))
        .as("the fixture closes the engine it serves").isInstanceOf(FinderUnavailableException.class);
    assertThat(serverEngine.find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS).index())
        .as("a server leaves its finder running").isEqualTo(101);
    serverEngine.close();
    assertThat(atLeast(Level.WARNING)).extracting(LogRecord::getMessage).isEmpty();
  }

  @Test
  void theServerBuilder_refusesASettingGivenTwice_andBadValues() {
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build();
    try {
      HashFinderServer.Builder builder = HashFinderServer.inProcess("twice").finder(engine)
          .maxConcurrentSearches(2).gracePeriod(Duration.ofSeconds(1));

      assertThatThrownBy(() -> builder.finder(engine))
          .hasMessageStartingWith("finder was already set to ");
      assertThatThrownBy(() -> builder.maxConcurrentSearches(3))
          .hasMessage("maxConcurrentSearches was already set to 2");
      assertThatThrownBy(() -> builder.gracePeriod(Duration.ZERO))
          .hasMessage("gracePeriod was already set to PT1S");
      assertThatThrownBy(() -> HashFinderServer.inProcess("x").gracePeriod(Duration.ofMillis(-1)))
          .hasMessage("gracePeriod < 0: PT-0.001S");
      assertThatThrownBy(() -> HashFinderServer.inProcess("x").maxConcurrentSearches(0))
          .hasMessage("maxConcurrentSearches < 1: 0");
      assertThatThrownBy(() -> HashFinderServer.forPort(65536))
          .hasMessage("port not in [0, 65535]: 65536");
      assertThatThrownBy(() -> HashFinderServer.forPort(-1))
          .hasMessage("port not in [0, 65535]: -1");
      assertThat(HashFinderServer.forPort(65535)).isNotNull();
      assertThatThrownBy(() -> HashFinderServer.inProcess("x").start())
          .hasMessage("finder was not set");
    } finally {
      engine.close();
    }
  }

  @Test
  void servers_sayWhereTheyListen() {
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build();
    try (HashFinderServer inProcess = HashFinderServer.inProcess("named").finder(engine).start();
        HashFinderServer onPort = HashFinderServer.forPort(0).finder(engine).start()) {
      assertThat(inProcess).hasToString("HashFinderServer{in-process:named}");
      assertThat(inProcess.port()).isEqualTo(-1);
      assertThat(onPort).hasToString("HashFinderServer{127.0.0.1:" + onPort.port() + "}");
      assertThat(onPort.port()).isPositive();
      assertThat(onPort.addresses()).singleElement()
          .satisfies(address -> assertThat(address.getAddress().isLoopbackAddress()).isTrue());
      assertThat(inProcess.addresses()).isEmpty();
    } finally {
      engine.close();
    }
  }

  @Test
  void aServiceShuttingDown_refusesNewCallsAsUnavailable_andCountsItsSearches() throws Exception {
    String name = InProcessServerBuilder.generateName();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build()) {
      HashFinderService service = HashFinderService.create(engine);
      io.grpc.Server server = InProcessServerBuilder.forName(name).addService(service).build()
          .start();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try {
        HashFinderClient client = HashFinderClient.create(channel);
        CompletableFuture<?> running = client.find(Query.of("hashfinder", 0));
        org.awaitility.Awaitility.await().until(() -> service.runningSearches() == 1);

        service.shutdown();

        assertThat(failure(running)).isInstanceOf(FinderUnavailableException.class)
            .hasMessage("server is shutting down");
        assertThat(failure(client.find(Query.of("aa", 0))))
            .isInstanceOf(FinderUnavailableException.class)
            .hasMessage("server is shutting down");
        assertThat(service.runningSearches()).isZero();
      } finally {
        channel.shutdownNow();
        server.shutdownNow();
      }
    }
  }

  @Test
  void aFinishedRemoteSearch_leavesNothingRegisteredOnItsToken() throws Exception {
    CancellationToken token = new CancellationToken();
    try (InProcessHashFinder fixture =
        InProcessHashFinder.start(HashFinderEngine.newBuilder().threads(1).build())) {
      fixture.client().find(Query.of("aa", 0), ResourceBudget.unlimited(), token)
          .get(10, TimeUnit.SECONDS);
      failure(fixture.client().find(Query.of("hashfinder", 0), ResourceBudget.ofHashes(10),
          token));
    }

    java.lang.reflect.Field callbacks = CancellationToken.class.getDeclaredField("callbacks");
    callbacks.setAccessible(true);
    assertThat((java.util.Collection<?>) callbacks.get(token)).isEmpty();
  }

  @Test
  void theServiceLogsEachCallBelowInfo() throws Exception {
    try (InProcessHashFinder fixture =
        InProcessHashFinder.start(HashFinderEngine.newBuilder().threads(1).build())) {
      fixture.client().find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS);
      failure(fixture.client().find(Query.of("hashfinder", 0), ResourceBudget.ofHashes(100),
          new CancellationToken()));
      failure(fixture.client().find(Query.of("a b", 0)));
    }

    assertThat(atLeast(Level.INFO))
        .filteredOn(r -> r.getLoggerName().startsWith("dev.hashfinder"))
        .extracting(LogRecord::getMessage).isEmpty();
    // A call's line is written just after its outcome is sent: the client may see it first.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(records)
        .filteredOn(r -> r.getLevel() == Level.FINE)
        .extracting(LogRecord::getMessage)
        .anyMatch(m -> m.contains("desired_name=\"aa\" ideal=0: found index 101"))
        .anyMatch(m -> m.contains("RESOURCE_EXHAUSTED: budget of 100 hashes"))
        .anyMatch(m -> m.contains("INVALID_ARGUMENT: desired_name can never come within")));
  }

  @Test
  void aFaultInsideTheEngine_reachesTheClientAsSearchFailed_andTheLogInFull() throws Exception {
    // A digest that fails as the native kernel's checks do: with an internal message.
    HashAlgorithm broken = new HashAlgorithm() {
      @Override
      public String name() {
        return "BROKEN";
      }

      @Override
      public int digestLength() {
        return 20;
      }

      @Override
      public Digester newDigester() {
        return (input, length, output) -> {
          throw new IllegalArgumentException("scanSha1: null array or bad range");
        };
      }
    };
    try (InProcessHashFinder fixture = InProcessHashFinder.start(
        HashFinderEngine.newBuilder().threads(1).algorithms(broken).build())) {
      HashFinderGrpc.HashFinderBlockingStub stub =
          HashFinderGrpc.newBlockingStub(fixture.channel());
      HashNameRequest request =
          HashNameRequest.newBuilder().setDesiredName("aa").setAlgorithm("BROKEN").build();

      for (Runnable call : List.<Runnable>of(() -> stub.find(request),
          () -> stub.findRange(request).forEachRemaining(response -> { }))) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).isEqualTo("search failed");
        });
      }
      assertThat(failure(fixture.client().find(Query.of("aa", 0).withAlgorithm("BROKEN"))))
          .isInstanceOf(FinderFailedException.class).hasMessage("INTERNAL: search failed");
    }

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(atLeast(Level.WARNING))
        .filteredOn(r -> r.getLoggerName().startsWith("dev.hashfinder")).hasSize(3)
        .allSatisfy(r -> assertThat(r.getThrown())
            .hasStackTraceContaining("scanSha1: null array or bad range")));
  }

  @Test
  void listeningBeyondLoopbackInClear_isOneWarning_andOnLoopbackNone() {
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build();
    try (HashFinderServer loopback = HashFinderServer.forPort(0).finder(engine).start()) {
      assertThat(atLeast(Level.WARNING)).isEmpty();
      try (HashFinderServer everywhere =
          HashFinderServer.forAddress("0.0.0.0", 0).finder(engine).start()) {
        assertThat(atLeast(Level.WARNING)).extracting(LogRecord::getMessage).singleElement()
            .isIn("listening on 0.0.0.0:" + everywhere.port() + " without TLS: traffic is in clear",
                "listening on [::]:" + everywhere.port() + " without TLS: traffic is in clear");
      }
    } finally {
      engine.close();
    }
  }

  @Test
  void aFindRange_isLoggedWithTheResponsesItSent() throws Exception {
    try (InProcessHashFinder fixture =
        InProcessHashFinder.start(HashFinderEngine.newBuilder().threads(1).build())) {
      List<Match> sent = new CopyOnWriteArrayList<>();
      fixture.client().findRange(Query.of("grpc", 0).withInterestingDistance(1), sent::add)
          .get(30, TimeUnit.SECONDS);

      // The server logs once its search has ended, a moment after the client saw the end.
      await().atMost(Duration.ofSeconds(10)).until(() -> records.stream().map(LogRecord::getMessage)
          .anyMatch(message -> message.contains("FindRange desired_name=\"grpc\" ideal=0: "
              + "found after " + sent.size() + " responses")));
      assertThat(sent).isNotEmpty();
    }
  }

  @Test
  void aClientGoneMidResponse_isNotAWarning() {
    HashFinderServer.forPort(0); // installs the filter
    Logger netty = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");
    Http2Exception expected = Http2Exception.streamError(
        3, Http2Error.STREAM_CLOSED, "Stream closed before write could take place");

    netty.log(Level.WARNING, "Stream Error", expected);
    netty.log(Level.WARNING, "Stream Error", new IllegalStateException("something else"));

    assertThat(atLeast(Level.WARNING)).extracting(r -> r.getThrown().getMessage())
        .containsExactly("something else");
  }

  @Test
  void aRequestRefusedBySize_isNotAWarningWithAStackTrace() {
    HashFinderServer.forPort(0); // installs the filter
    Logger netty = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    netty.log(Level.WARNING, "Exception processing message", Status.RESOURCE_EXHAUSTED
        .withDescription("gRPC message exceeds maximum size 4096: 200005").asRuntimeException());
    netty.log(Level.WARNING, "Exception processing message",
        Status.INTERNAL.withDescription("broken").asRuntimeException());

    assertThat(atLeast(Level.WARNING)).extracting(r -> r.getThrown().getMessage())
        .containsExactly("INTERNAL: broken");
  }

  @Test
  void withCallOptions_appliesThemToEveryCall() {
    try (InProcessHashFinder fixture =
        InProcessHashFinder.start(HashFinderEngine.newBuilder().threads(1).build())) {
      HashFinderClient impatient = fixture.client()
          .withCallOptions(CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS));

      assertThat(failure(impatient.find(Query.of("hashfinder", 0))))
          .isInstanceOf(DeadlineExceededException.class);
      assertThat(failure(impatient.findRange(Query.of("hashfinder", 0), match -> { })))
          .isInstanceOf(DeadlineExceededException.class);
    }
  }

  @Test
  void theServiceServesAnyHashFinder_evenAnotherClient() throws Exception {
    String name = InProcessServerBuilder.generateName();
    try (InProcessHashFinder backend =
            InProcessHashFinder.start(HashFinderEngine.newBuilder().threads(1).build());
        HashFinderServer front =
            HashFinderServer.inProcess(name).finder(backend.client()).start()) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try {
        HashFinderClient client = HashFinderClient.create(channel);

        assertThat(client.find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS).secretBase64())
            .isEqualTo("ZA==");
        assertThat(failure(client.find(Query.of("a b", 0))))
            .isInstanceOf(InvalidQueryException.class)
            .hasMessageStartingWith("target can never come within distance 0");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void everyEnding_travelsAsAStatus_andComesBackAsItsType() {
    List<RuntimeException> endings = List.of(
        new BudgetExhaustedException(BudgetExhaustedException.Limit.MATCHES, 5, 123),
        new FinderBusyException("server is running its limit of 4 concurrent searches", null),
        new DeadlineExceededException("timeout passed", -1),
        new InvalidQueryException(InvalidQueryException.Field.IDEAL_DISTANCE, "< 0: -1"),
        new IllegalArgumentException("max_hashes < 0: -1"),
        new FinderUnavailableException("engine is closed", null));

    for (RuntimeException ending : endings) {
      StatusRuntimeException status = Outcomes.toStatus(ending);
      RuntimeException back = Outcomes.fromStatus(status);

      assertThat(back).as("%s", ending).isInstanceOf(ending.getClass());
      assertThat(back.getCause()).isSameAs(status);
      assertThat(back.getMessage()).isEqualTo(ending.getMessage());
    }
    BudgetExhaustedException exhausted = (BudgetExhaustedException) Outcomes.fromStatus(
        Outcomes.toStatus(endings.get(0)));
    assertThat(exhausted.limit()).isEqualTo(BudgetExhaustedException.Limit.MATCHES);
    assertThat(exhausted.limitValue()).isEqualTo(5);
    assertThat(exhausted.hashesExamined()).isEqualTo(123);
    assertThat(Outcomes.toStatus(new InvalidQueryException(
        InvalidQueryException.Field.IDEAL_DISTANCE, "< 0: -1")).getStatus().getDescription())
        .isEqualTo("ideal_hamming_distance < 0: -1");
    assertThat(Outcomes.toStatus(new CancellationException()).getStatus().getCode())
        .isEqualTo(Status.Code.CANCELLED);
    assertThat(Outcomes.toStatus(new FinderFailedException("broke", null)).getStatus().getCode())
        .isEqualTo(Status.Code.INTERNAL);
    assertThat(Outcomes.fromStatus(Status.INTERNAL.withDescription("boom").asRuntimeException()))
        .isInstanceOf(FinderFailedException.class).hasMessage("INTERNAL: boom");
    assertThat(Outcomes.fromStatus(Status.RESOURCE_EXHAUSTED.asRuntimeException()))
        .as("the reference server's concurrency limit").isInstanceOf(FinderBusyException.class);
  }

  private static Throwable failure(java.util.concurrent.CompletableFuture<?> future) {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("succeeded: " + future.join());
  }
}
