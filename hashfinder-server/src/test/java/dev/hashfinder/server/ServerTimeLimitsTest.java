package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
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
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's own time limits, which bound what a budget cannot: a stream whose client reads
 * nothing, and a call that runs too long without exhausting its hashes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerTimeLimitsTest {
  @Test
  void aFindRangeWhoseClientReadsNothing_isCancelled_andItsSlotFreed() throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
            .budget(ResourceBudget.unlimited()).build();
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine)
            .maxConcurrentSearches(1)
            .limits(ServerLimits.defaults()
                .with("stalled-stream-timeout", Duration.ofSeconds(1)))
            .start()) {
      ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.port(),
          InsecureChannelCredentials.create()).build();
      try {
        AtomicReference<Status> closed = new AtomicReference<>();
        ClientCall<HashNameRequest, HashNameResponse> stalled =
            channel.newCall(HashFinderGrpc.getFindRangeMethod(), CallOptions.DEFAULT);
        stalled.start(new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.set(status);
          }
        }, new Metadata());
        // Every candidate qualifies, and nothing is ever read: the transport's windows fill.
        stalled.sendMessage(HashNameRequest.newBuilder().setDesiredName("hashfinder")
            .setInterestingHammingDistance(10).build());
        stalled.halfClose();
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.hashesExamined() > 0);

        await().atMost(Duration.ofSeconds(20)).until(() ->
            server.service().runningSearches() == 0 && engine.activeSearches() == 0);
        String next = HashFinderClient.create(channel).find(Query.of("aa", 0))
            .get(30, TimeUnit.SECONDS).secretBase64();
        stalled.request(Integer.MAX_VALUE); // now read: what was sent, then the status

        assertThat(next).isEqualTo("ZA==");
        await().atMost(Duration.ofSeconds(20)).until(() -> closed.get() != null);
        assertThat(closed.get().getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(closed.get().getDescription())
            .isEqualTo("the client read no response for 1s; the stream is abandoned");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aCallPastTheMaximumDuration_endsDeadlineExceeded_andFreesItsWorkers() throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
            .budget(ResourceBudget.unlimited()).build();
        HashFinderServer server = HashFinderServer.inProcess("time-limits").finder(engine)
            .limits(ServerLimits.defaults().with("max-call-duration", Duration.ofMillis(300)))
            .start()) {
      ManagedChannel channel =
          io.grpc.inprocess.InProcessChannelBuilder.forName("time-limits").build();
      try {
        Throwable failure;
        try {
          HashFinderClient.create(channel).find(Query.of("hashfinder", 0))
              .get(30, TimeUnit.SECONDS);
          throw new AssertionError("found");
        } catch (ExecutionException e) {
          failure = e.getCause();
        }

        assertThat(failure).isInstanceOf(DeadlineExceededException.class)
            .hasMessage("the call ran for the server's limit of 300ms");
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
