package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.net.InetAddresses;
import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who counts as one caller when only an address tells: a network, not an address, so that a
 * client's extra addresses do not multiply its share. Loopback is a /8 on Linux, so clients here
 * connect from 127.0.0.1 and 127.0.0.2 as two hosts of one network would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FairSharesTest {
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void anAddress_isCutToItsNetwork_byThePrefixOfItsFamily() throws Exception {
    assertThat(Callers.network(address("192.0.2.7"), 32, 64)).isEqualTo("192.0.2.7");
    assertThat(Callers.network(address("192.0.2.7"), 24, 64)).isEqualTo("192.0.2.0/24");
    assertThat(Callers.network(address("192.0.2.255"), 25, 64)).isEqualTo("192.0.2.128/25");
    assertThat(Callers.network(address("192.0.2.7"), 1, 64)).isEqualTo("128.0.0.0/1");
    assertThat(Callers.network(address("2001:db8:1:2:3:4:5:6"), 32, 64))
        .isEqualTo("2001:db8:1:2::/64");
    assertThat(Callers.network(address("2001:db8:1:2:3:4:5:6"), 32, 56))
        .isEqualTo("2001:db8:1::/56");
    assertThat(Callers.network(address("2001:db8:1:2:3:4:5:6"), 32, 128))
        .isEqualTo("2001:db8:1:2:3:4:5:6");
    assertThat(Callers.network(address("::1"), 32, 64)).isEqualTo("::/64");
  }

  @Test
  void anIpv4AddressMappedIntoIpv6_countsAsIpv4() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(address("192.0.2.7").getAddress(), 0, mapped, 12, 4);
    InetAddress ipv6 = Inet6Address.getByAddress(null, mapped, -1);

    assertThat(ipv6).isInstanceOf(Inet6Address.class);
    assertThat(Callers.network(ipv6, 32, 64)).isEqualTo("192.0.2.7");
    assertThat(Callers.network(ipv6, 24, 64)).isEqualTo("192.0.2.0/24");
  }

  @Test
  void twoAddressesOfOneNetwork_areOneCaller_withOneShare() throws Exception {
    HashFinderServer server = server(ServerLimits.defaults().with("caller-prefix-ipv4", 8));
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> first = endless(client(server, "127.0.0.1"), token);
    await().atMost(Duration.ofSeconds(20)).until(() -> server.service().runningSearches() == 1);

    Throwable second = failure(endless(client(server, "127.0.0.2"), token));
    token.cancel();

    assertThat(second).isInstanceOf(FinderBusyException.class);
    assertThat(Status.fromThrowable(second.getCause()).getDescription()).isEqualTo("caller "
        + "127.0.0.0/8 is running its share of 1 of the server's 4 concurrent searches");
    assertThat(first).failsWithin(Duration.ofSeconds(20));
  }

  @Test
  void byDefault_eachIpv4Address_isACaller_andTakesAQuarterOfTheSlots() throws Exception {
    HashFinderServer server = server(ServerLimits.defaults());
    CancellationToken token = new CancellationToken();
    HashFinderClient one = client(server, "127.0.0.1");
    HashFinderClient two = client(server, "127.0.0.2");
    List<CompletableFuture<Match>> running = new ArrayList<>();
    running.add(endless(one, token));
    await().atMost(Duration.ofSeconds(20)).until(() -> server.service().runningSearches() == 1);
    running.add(endless(two, token));
    await().atMost(Duration.ofSeconds(20)).until(() -> server.service().runningSearches() == 2);

    Throwable oneAgain = failure(endless(one, token));
    token.cancel();

    assertThat(Status.fromThrowable(oneAgain.getCause()).getDescription()).isEqualTo("caller "
        + "127.0.0.1 is running its share of 1 of the server's 4 concurrent searches");
    assertThat(running).allSatisfy(call -> assertThat(call).failsWithin(Duration.ofSeconds(20)));
  }

  private HashFinderServer server(ServerLimits limits) {
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build();
    closeables.add(engine);
    HashFinderServer server = HashFinderServer.forAddress("127.0.0.1", 0).finder(engine)
        .maxConcurrentSearches(4).limits(limits).start();
    closeables.add(server);
    return server;
  }

  /** A client whose connections leave from {@code source}, a loopback address. */
  private HashFinderClient client(HashFinderServer server, String source) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext()
        .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
          @Override
          public SocketAddress createSocketAddress(SocketAddress remote, Attributes attributes) {
            return new InetSocketAddress(address(source), 0);
          }
        })
        .build();
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return HashFinderClient.create(channel);
  }

  private static CompletableFuture<Match> endless(HashFinderClient client,
      CancellationToken token) {
    return client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
  }

  private static InetAddress address(String text) {
    return InetAddresses.forString(text);
  }

  private static Throwable failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(30, TimeUnit.SECONDS);
      throw new AssertionError("completed normally");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
