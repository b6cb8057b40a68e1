package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.ServerTransportFilter;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rapid-reset rule on a real socket: a client that cancels every call it makes, each soon
 * after its search started and the next at once, keeps its one connection (how many a second
 * depends on the machine; the abuse suite's canceller reports its rate); a connection that resets each stream as it opens it is ended with
 * {@code GOAWAY ENHANCE_YOUR_CALM} within a few hundred streams.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResetGuardTest {
  private static final int HTTP2_GOAWAY = 0x7;
  private static final long ENHANCE_YOUR_CALM = 0xb;

  @Test
  void aClientCancellingEveryCallAfterItStarted_keepsItsOneConnection() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
            .budget(ResourceBudget.unlimited()).build();
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine)
            .configure(builder -> builder.addTransportFilter(new ServerTransportFilter() {
              @Override
              public Attributes transportReady(Attributes attributes) {
                connections.incrementAndGet();
                return attributes;
              }
            }))
            .start()) {
      ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.port(),
          InsecureChannelCredentials.create()).build();
      try {
        HashFinderClient client = HashFinderClient.create(channel);
        int cancelled = 0;
        for (int i = 0; i < 600; i++) {
          CancellationToken token = new CancellationToken();
          CompletableFuture<Match> call =
              client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
          // Cancelled a little after its search started, as a front cancels a range that a hit
          // below made useless.
          await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
              .atMost(Duration.ofSeconds(10))
              .until(() -> server.service().runningSearches() == 1);
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
          token.cancel();
          try {
            call.join();
          } catch (CompletionException | java.util.concurrent.CancellationException expected) {
            cancelled++;
          }
          await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
              .atMost(Duration.ofSeconds(10))
              .until(() -> server.service().runningSearches() == 0);
        }

        assertThat(cancelled).isEqualTo(600);
        assertThat(connections).as("connections the client needed").hasValue(1);
        // ...and the connection still serves.
        assertThat(client.find(Query.of("aa", 1), ResourceBudget.unlimited(),
            new CancellationToken()).get(10, TimeUnit.SECONDS).distance()).isLessThanOrEqualTo(1);
        assertThat(connections).hasValue(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aConnectionResettingEachStreamAsItOpensIt_isEndedWithEnhanceYourCalm() throws Exception {
    AtomicInteger streams = new AtomicInteger();
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build();
        // The per-window ceiling far away: what ends this connection is the premature-reset rule.
        HashFinderServer server = HashFinderServer.forPort(0).finder(engine)
            .limits(ServerLimits.defaults().with("max-resets-per-window", 1_000_000))
            .configure(builder -> builder.addStreamTracerFactory(
                new ServerStreamTracer.Factory() {
                  @Override
                  public ServerStreamTracer newServerStreamTracer(String method,
                      Metadata headers) {
                    streams.incrementAndGet();
                    return new ServerStreamTracer() {};
                  }
                }))
            .start();
        Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(frame(0x4, 0, 0, new byte[0])); // SETTINGS
      out.flush();
      Thread flooder = new Thread(() -> flood(out, 20_000), "flooder");
      flooder.setDaemon(true);
      flooder.start();
      DataInputStream in = new DataInputStream(socket.getInputStream());

      Long errorCode = readUntilGoAway(in);
      int taken = streams.get();

      assertThat(errorCode).as("GOAWAY before the connection closed").isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(taken).as("streams the server took before it ended the connection")
          .isBetween(100, 2_000);
    }
  }

  /** HEADERS for a Find, then RST_STREAM, for stream after stream, until the socket fails. */
  private static void flood(OutputStream out, int streams) {
    byte[] headers = requestHeaders();
    try {
      for (int stream = 1; stream < 2 * streams; stream += 2) {
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        burst.write(frame(0x1, 0x4, stream, headers)); // HEADERS, END_HEADERS
        burst.write(frame(0x3, 0, stream, new byte[] {0, 0, 0, 8})); // RST_STREAM CANCEL
        out.write(burst.toByteArray());
      }
      out.flush();
    } catch (IOException closedByTheServer) {
      // expected
    }
  }

  /** A Find's request headers in HPACK, each a literal without indexing. */
  private static byte[] requestHeaders() {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x83); // :method: POST
    block.write(0x86); // :scheme: http
    literal(block, 4, "/hash_name.HashFinder/Find"); // :path
    literal(block, 1, "localhost"); // :authority
    literal(block, 31, "application/grpc"); // content-type
    block.write(0); // te: trailers, a literal name
    string(block, "te");
    string(block, "trailers");
    return block.toByteArray();
  }

  private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
    if (nameIndex < 15) {
      block.write(nameIndex);
    } else {
      block.write(15);
      block.write(nameIndex - 15);
    }
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    block.write(bytes.length);
    block.writeBytes(bytes);
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(payload.length >>> 16);
    frame.write(payload.length >>> 8);
    frame.write(payload.length);
    frame.write(type);
    frame.write(flags);
    frame.write(stream >>> 24);
    frame.write(stream >>> 16);
    frame.write(stream >>> 8);
    frame.write(stream);
    frame.writeBytes(payload);
    return frame.toByteArray();
  }

  /** Reads frames until a GOAWAY: its error code; null if the connection closed without one. */
  private static Long readUntilGoAway(DataInputStream in) throws IOException {
    try {
      while (true) {
        int length = (in.readUnsignedShort() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        in.readUnsignedByte(); // flags
        in.readInt(); // stream
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == HTTP2_GOAWAY) { // the last stream id, then the error code
          return ((payload[4] & 0xffL) << 24) | ((payload[5] & 0xff) << 16)
              | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
        }
      }
    } catch (EOFException | java.net.SocketException closed) {
      return null;
    }
  }
}
