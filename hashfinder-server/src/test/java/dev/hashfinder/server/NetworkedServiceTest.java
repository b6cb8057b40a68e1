package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.Query;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
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
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the service does on the networked server: shutdown, dropped connections, flow control,
 * health and reflection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetworkedServiceTest {
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

  private ManagedChannel socketChannel(HashFinderServer server) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.port(), InsecureChannelCredentials.create()).build();
    closeLater(channel::shutdownNow);
    return channel;
  }

  @Test
  void shutdownWithSearchesInFlight_givesClientsUnavailable_andFreesTheWorkers()
      throws Exception {
    HashFinderServer server = HashFinderServer.forPort(0).finder(engine).start();
    HashFinderClient client = HashFinderClient.create(socketChannel(server));
    CompletableFuture<?> find = client.find(UNREACHABLE);
    CompletableFuture<?> range = client.findRange(UNREACHABLE, match -> { });
    await().until(() -> engine.activeSearches() == 2);

    server.close();

    for (CompletableFuture<?> call : List.of(find, range)) {
      Throwable failure = failure(call);
      assertThat(failure).isInstanceOf(FinderUnavailableException.class);
      assertThat(failure.getCause()).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(server.isTerminated()).isTrue();
    assertThat(engine.activeSearches()).isZero();
  }

  @Test
  void aDroppedConnection_freesTheWorker() throws Exception {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    ManagedChannel channel = socketChannel(server);
    HashFinderClient.create(channel).find(UNREACHABLE);
    await().until(() -> engine.hashesExamined() > 0);

    channel.shutdownNow();

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(engine.activeSearches()).as("searches on the engine").isZero();
      assertThat(server.service().runningSearches()).as("calls holding a slot").isZero();
    });
  }

  @Test
  void aSlowReader_holdsTheSearchBack_insteadOfFillingMemory() throws Exception {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    ManagedChannel channel = socketChannel(server);
    ClientCall<HashNameRequest, HashNameResponse> call =
        channel.newCall(HashFinderGrpc.getFindRangeMethod(), CallOptions.DEFAULT);
    List<HashNameResponse> received = new CopyOnWriteArrayList<>();
    AtomicReference<Status> closed = new AtomicReference<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(HashNameResponse message) {
        received.add(message); // and never asks for more
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.set(status);
      }
    }, new Metadata());
    call.request(1);
    // Every candidate is interesting: a reader that takes nothing more stops the search.
    call.sendMessage(HashNameRequest.newBuilder().setDesiredName("hashfinder")
        .setInterestingHammingDistance(10).build());
    call.halfClose();
    await().until(() -> received.size() == 1);

    // Both workers end up parked: one waiting for the call to be ready, one at the window.
    await().atMost(Duration.ofSeconds(20)).until(() -> workers.stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getState() == Thread.State.WAITING
            || t.getState() == Thread.State.TIMED_WAITING)
        .count() == 2 && executor.getActiveCount() == 2);
    long examined = engine.hashesExamined();
    // Bounded by the look-ahead window (2 per thread) plus what transport buffers absorbed.
    assertThat(examined).isLessThan(20L * 8192);

    call.cancel("done reading", null);

    await().until(() -> engine.activeSearches() == 0);
    await().until(() -> closed.get() != null);
    assertThat(closed.get().getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void theNetworkedServer_reportsHealth() {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(socketChannel(server));

    assertThat(health.check(HealthCheckRequest.newBuilder()
        .setService("hash_name.HashFinder").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void theNetworkedServer_answersReflection_withTheServiceAndItsSchema() throws Exception {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    io.grpc.reflection.v1.ServerReflectionGrpc.ServerReflectionStub reflection =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(socketChannel(server));
    CompletableFuture<io.grpc.reflection.v1.ServerReflectionResponse> answer =
        new CompletableFuture<>();
    io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        reflection.serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(io.grpc.reflection.v1.ServerReflectionResponse response) {
            answer.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() { }
        });
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("hash_name.HashFinder").build());
    requests.onCompleted();

    io.grpc.reflection.v1.ServerReflectionResponse response = answer.get(10, TimeUnit.SECONDS);
    assertThat(response.getFileDescriptorResponse().getFileDescriptorProtoList()).isNotEmpty();
    com.google.protobuf.DescriptorProtos.FileDescriptorProto file =
        com.google.protobuf.DescriptorProtos.FileDescriptorProto.parseFrom(
            response.getFileDescriptorResponse().getFileDescriptorProto(0));
    assertThat(file.getPackage()).isEqualTo("hash_name");
    assertThat(file.getService(0).getMethodList())
        .extracting(com.google.protobuf.DescriptorProtos.MethodDescriptorProto::getName)
        .containsExactly("Find", "FindRange");
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
