package dev.hashfinder.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.FinderBusyException;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a server plugs into the service: an admission policy, an observer, the call limits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceSeamsTest {
  private final HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
      .budget(ResourceBudget.unlimited()).build();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<CallObserver.Outcome> outcomes = new CopyOnWriteArrayList<>();
  private final CallObserver recording = outcomes::add;

  @AfterEach
  void close() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
    engine.close();
  }

  /** The service on an in-process server, and a client of it. */
  private HashFinderClient serve(HashFinderService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).addService(service).build().start();
    closeables.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    closeables.add(service::shutdown);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    closeables.add(channel::shutdownNow);
    return HashFinderClient.create(channel);
  }

  /** Names every call "alice" and admits one search at a time, counting what it gave back. */
  private static final class OneAtATime implements CallAdmission {
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();

    @Override
    public Optional<String> caller() {
      return Optional.of("alice");
    }

    @Override
    public Permit admit(String caller) {
      if (running.incrementAndGet() > 1) {
        running.decrementAndGet();
        throw new FinderBusyException(caller + " is running their one search", null);
      }
      return () -> {
        running.decrementAndGet();
        released.incrementAndGet();
      };
    }
  }

  @Test
  void aCallTheAdmissionRefuses_endsResourceExhausted_withItsWords_andItsPermitComesBack()
      throws Exception {
    OneAtATime admission = new OneAtATime();
    HashFinderClient client = serve(HashFinderService.newBuilder(engine)
        .admission(admission).observer(recording).build());
    CompletableFuture<?> first = client.find(Query.of("hashfinder", 0));
    await().until(() -> engine.hashesExamined() > 0);

    assertThatThrownBy(() -> client.find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(FinderBusyException.class)
        .hasMessageContaining("alice is running their one search");
    assertThat(outcomes).containsExactly(CallObserver.Outcome.REFUSED);

    first.cancel(true);
    await().until(() -> admission.released.get() == 1);
    assertThat(client.find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS).secretBase64())
        .isEqualTo("ZA==");
    await().until(() -> admission.released.get() == 2 && outcomes.size() == 3);
    assertThat(outcomes).containsExactlyInAnyOrder(CallObserver.Outcome.REFUSED,
        CallObserver.Outcome.CANCELLED, CallObserver.Outcome.FOUND);
  }

  @Test
  void anObserverThatThrows_keepsNoPermit_andCostsNoCallItsAnswer() throws Exception {
    OneAtATime admission = new OneAtATime();
    CallObserver throwing = new CallObserver() {
      @Override
      public void ended(Outcome outcome) {
        outcomes.add(outcome);
        throw new IllegalStateException("the observer's own bug");
      }

      @Override
      public void cancelledToIdle(long nanos) {
        throw new IllegalStateException("the observer's own bug");
      }
    };
    HashFinderClient client = serve(HashFinderService.newBuilder(engine)
        .admission(admission).observer(throwing).build());
    CompletableFuture<?> first = client.find(Query.of("hashfinder", 0));
    await().until(() -> engine.hashesExamined() > 0);

    first.cancel(true);
    await().until(() -> admission.released.get() == 1);
    assertThat(client.find(Query.of("aa", 0)).get(10, TimeUnit.SECONDS).secretBase64())
        .isEqualTo("ZA==");
    await().until(() -> admission.released.get() == 2 && outcomes.size() == 2);
    assertThat(outcomes).containsExactly(CallObserver.Outcome.CANCELLED,
        CallObserver.Outcome.FOUND);
  }

  @Test
  void theMaxCallDuration_endsACallDeadlineExceeded_namingTheLimit() throws Exception {
    HashFinderClient client = serve(HashFinderService.newBuilder(engine)
        .maxCallDuration(Duration.ofMillis(300)).observer(recording).build());

    assertThatThrownBy(() -> client.find(Query.of("hashfinder", 0)).get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().hasMessageContaining("the call ran for the server's limit of 300ms");
    await().until(() -> outcomes.contains(CallObserver.Outcome.DEADLINE));
  }

  @Test
  void theBuilder_refusesLimitsThatCannotHold_namingThem() {
    HashFinderService.Builder builder = HashFinderService.newBuilder(engine);

    assertThatThrownBy(() -> builder.maxConcurrentSearches(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentSearches");
    assertThatThrownBy(() -> builder.stalledStreamTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stalledStreamTimeout");
    assertThatThrownBy(() -> builder.maxCallDuration(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxCallDuration");
  }
}
