package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection limits: their defaults, how they change, and the ones a socket can reach. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerLimitsTest {
  @Test
  void defaults_areTheDocumentedOnes() {
    ServerLimits limits = ServerLimits.defaults();

    assertThat(limits.asMap()).containsExactly(
        Map.entry("max-request-bytes", 4096),
        Map.entry("max-metadata-bytes", 8192),
        Map.entry("max-calls-per-connection", 100),
        Map.entry("permit-keepalive-time", Duration.ofSeconds(10)),
        Map.entry("keepalive-time", Duration.ofSeconds(60)),
        Map.entry("keepalive-timeout", Duration.ofSeconds(20)),
        Map.entry("max-connection-idle", Duration.ofSeconds(30)),
        Map.entry("max-connection-age", Duration.ofMinutes(30)),
        Map.entry("max-connection-age-grace", Duration.ofMinutes(5)),
        Map.entry("handshake-timeout", Duration.ofSeconds(5)),
        Map.entry("max-premature-resets", 100),
        Map.entry("premature-reset-time", Duration.ofMillis(1)),
        Map.entry("max-resets-per-window", 2000),
        Map.entry("reset-window", Duration.ofSeconds(1)),
        Map.entry("stalled-stream-timeout", Duration.ofSeconds(10)),
        Map.entry("max-call-duration", Duration.ofMinutes(10)),
        Map.entry("caller-prefix-ipv4", 32),
        Map.entry("caller-prefix-ipv6", 64));
    assertThat(limits.maxRequestBytes()).isEqualTo(4096);
    assertThat(limits.maxMetadataBytes()).isEqualTo(8192);
    assertThat(limits.maxCallsPerConnection()).isEqualTo(100);
    assertThat(limits.permitKeepAliveTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.keepAliveTime()).isEqualTo(Duration.ofSeconds(60));
    assertThat(limits.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(limits.maxConnectionIdle()).isEqualTo(Duration.ofSeconds(30));
    assertThat(limits.maxConnectionAge()).isEqualTo(Duration.ofMinutes(30));
    assertThat(limits.maxConnectionAgeGrace()).isEqualTo(Duration.ofMinutes(5));
    assertThat(limits.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(limits.maxPrematureResets()).isEqualTo(100);
    assertThat(limits.prematureResetTime()).isEqualTo(Duration.ofMillis(1));
    assertThat(limits.maxResetsPerWindow()).isEqualTo(2000);
    assertThat(limits.resetWindow()).isEqualTo(Duration.ofSeconds(1));
    assertThat(limits.stalledStreamTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.maxCallDuration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(limits.callerPrefixIpv4()).isEqualTo(32);
    assertThat(limits.callerPrefixIpv6()).isEqualTo(64);
  }

  /**
   * The defaults are written in two tables, this class's javadoc and docs/SECURITY.md's; both are
   * read here and must say what {@link ServerLimits#defaults()} holds, so a changed default cannot
   * leave either behind.
   */
  @Test
  void defaults_areWhatTheJavadocAndSecurityMdTablesSay() throws Exception {
    Map<String, Object> expected = ServerLimits.defaults().asMap();
    Path source = Path.of("src/main/java", ServerLimits.class.getName().replace('.', '/') + ".java");
    Path securityMd = Path.of("../docs/SECURITY.md");

    assertThat(tableRows(Files.readString(source),
        "<td>\\{@code ([a-z0-9-]+)\\}</td><td>([^<]+)</td>", expected.keySet()))
        .as("the defaults in %s", source).containsExactlyEntriesOf(expected);
    assertThat(tableRows(Files.readString(securityMd),
        "(?m)^\\| `([a-z0-9-]+)` \\| ([^|]+?) \\|", expected.keySet()))
        .as("the defaults in %s", securityMd).containsExactlyEntriesOf(expected);
  }

  /** A limit's value as the tables write it: 4096 (a count), 10s, 30m, 1ms. */
  private static Object read(String written) {
    Matcher duration = Pattern.compile("(\\d+)(ms|s|m)").matcher(written);
    if (!duration.matches()) {
      return Integer.valueOf(written);
    }
    long amount = Long.parseLong(duration.group(1));
    return switch (duration.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      default -> Duration.ofMinutes(amount);
    };
  }

  /** The rows of a table whose first cell names a limit, as name and default, in their order. */
  private static Map<String, Object> tableRows(String text, String row, Set<String> names) {
    Map<String, Object> rows = new LinkedHashMap<>();
    Matcher matcher = Pattern.compile(row).matcher(text);
    while (matcher.find()) {
      if (names.contains(matcher.group(1))) {
        rows.put(matcher.group(1), read(matcher.group(2).trim()));
      }
    }
    return rows;
  }

  @Test
  void with_changesOneLimit_byItsName_andLeavesTheOriginal() {
    ServerLimits changed = ServerLimits.defaults()
        .with("max-request-bytes", 8192)
        .with("handshake-timeout", Duration.ofSeconds(2));

    assertThat(changed.maxRequestBytes()).isEqualTo(8192);
    assertThat(changed.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(changed.maxCallsPerConnection()).isEqualTo(100);
    assertThat(ServerLimits.defaults().maxRequestBytes()).isEqualTo(4096);
    assertThat(changed).isNotEqualTo(ServerLimits.defaults())
        .isEqualTo(ServerLimits.defaults().with("handshake-timeout", Duration.ofSeconds(2))
            .with("max-request-bytes", 8192))
        .hasSameHashCodeAs(ServerLimits.defaults().with("max-request-bytes", 8192)
            .with("handshake-timeout", Duration.ofSeconds(2)));
    assertThat(changed.toString()).contains("max-request-bytes=8192");
    assertThat(changed.hashCode()).isEqualTo(changed.asMap().hashCode())
        .isNotEqualTo(ServerLimits.defaults().hashCode());
  }

  @Test
  void with_refusesUnknownNames_wrongKinds_andValuesBelowOne() {
    assertThatThrownBy(() -> ServerLimits.defaults().with("max-bytes", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no count limit is called max-bytes; those are: max-request-bytes, "
            + "max-metadata-bytes, max-calls-per-connection, max-premature-resets, "
            + "max-resets-per-window, caller-prefix-ipv4, caller-prefix-ipv6");
    assertThatThrownBy(() -> ServerLimits.defaults().with("max-request-bytes", Duration.ZERO))
        .hasMessageStartingWith("no time limit is called max-request-bytes; those are: "
            + "permit-keepalive-time, keepalive-time,");
    assertThatThrownBy(() -> ServerLimits.defaults().with("max-calls-per-connection", 0))
        .hasMessage("max-calls-per-connection < 1: 0");
    assertThatThrownBy(() -> ServerLimits.defaults().with("keepalive-time", Duration.ZERO))
        .hasMessage("keepalive-time <= 0: PT0S");
    assertThatThrownBy(() ->
        ServerLimits.defaults().with("reset-window", Duration.ofMillis(500)))
        .hasMessage("reset-window < 1s: PT0.5S");
    assertThatThrownBy(() -> ServerLimits.defaults().with("caller-prefix-ipv4", 33))
        .hasMessage("caller-prefix-ipv4 not in [1, 32]: 33");
    assertThatThrownBy(() -> ServerLimits.defaults().with("caller-prefix-ipv6", 0))
        .hasMessage("caller-prefix-ipv6 not in [1, 128]: 0");
    assertThat(ServerLimits.defaults().with("caller-prefix-ipv6", 128).callerPrefixIpv6())
        .isEqualTo(128);
  }

  @Test
  void aConnection_runsNoMoreCallsThanItsLimit_theNextWaitsForOneToEnd() throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
            .budget(ResourceBudget.unlimited()).build();
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine)
            .limits(ServerLimits.defaults().with("max-calls-per-connection", 2))
            .start()) {
      ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.port(),
          InsecureChannelCredentials.create()).build();
      try {
        HashFinderClient client = HashFinderClient.create(channel);
        List<CancellationToken> tokens = List.of(
            new CancellationToken(), new CancellationToken(), new CancellationToken());
        List<CompletableFuture<Match>> calls = new ArrayList<>();
        for (CancellationToken token : tokens) {
          calls.add(client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token));
        }

        // The server advertised 2 streams: the client holds the third back.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(20))
            .until(() -> server.service().runningSearches() == 2);
        assertThat(calls.get(2)).isNotDone();
        tokens.forEach(CancellationToken::cancel);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.activeSearches() == 0);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void theServerAdvertisesItsCallsPerConnection_inItsFirstSettings() throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build();
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine)
            .limits(ServerLimits.defaults().with("max-calls-per-connection", 3))
            .start();
        Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());

      int length = (in.readUnsignedShort() << 8) | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      in.readUnsignedByte(); // flags
      in.readInt(); // stream 0
      Map<Integer, Long> settings = new java.util.HashMap<>();
      for (int read = 0; read < length; read += 6) {
        settings.put(in.readUnsignedShort(), in.readInt() & 0xffffffffL);
      }

      assertThat(type).as("the server's first frame is SETTINGS").isEqualTo(4);
      assertThat(settings).containsEntry(0x3, 3L); // SETTINGS_MAX_CONCURRENT_STREAMS
    }
  }

  @Test
  void aConnectionThatNeverCompletesItsHandshake_isClosedAfterTheHandshakeTimeout()
      throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build();
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine)
            .limits(ServerLimits.defaults().with("handshake-timeout", Duration.ofSeconds(1)))
            .start();
        Socket slowloris = new Socket()) {
      slowloris.connect(new InetSocketAddress("127.0.0.1", server.port()));
      slowloris.setSoTimeout(30_000);
      OutputStream out = slowloris.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII)); // half a preface
      out.flush();
      InputStream in = slowloris.getInputStream();

      int read; // a read that times out (30 s) throws instead, failing the test
      try {
        do {
          read = in.read();
        } while (read != -1);
      } catch (java.net.SocketException reset) {
        read = -1;
      }

      assertThat(read).isEqualTo(-1);
    }
  }
}
