package dev.hashfinder.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hashfinder.Query;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against servers that break the contract: it fails the search, never hangs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HashFinderClientTest {
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private HashFinderClient clientOf(HashFinderGrpc.AsyncService misbehaving) throws Exception {
    String name = InProcessServerBuilder.generateName();
    BindableService service = new BindableService() {
      @Override
      public ServerServiceDefinition bindService() {
        return HashFinderGrpc.bindService(misbehaving);
      }
    };
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    return HashFinderClient.create(channel);
  }

  private static Throwable failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("succeeded: " + future.join());
  }

  @Test
  void findCompletedWithoutAResponse_failsInsteadOfAnsweringNull() throws Exception {
    HashFinderClient client = clientOf(new HashFinderGrpc.AsyncService() {
      @Override
      public void find(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
        observer.onCompleted();
      }
    });

    // grpc-java's server turns this into a cancellation; another server might send OK, which
    // the client refuses as well.
    assertThat(failure(client.find(Query.of("aa", 0))))
        .isInstanceOf(dev.hashfinder.FinderFailedException.class);
  }

  @Test
  void aResponseWhoseSecretIsNotBase64_failsTheSearch() throws Exception {
    HashFinderClient client = clientOf(new HashFinderGrpc.AsyncService() {
      @Override
      public void find(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
        observer.onNext(HashNameResponse.newBuilder().setSecret("not base64!")
            .setHashedName("x").build());
        observer.onCompleted();
      }
    });

    assertThat(failure(client.find(Query.of("aa", 0))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
