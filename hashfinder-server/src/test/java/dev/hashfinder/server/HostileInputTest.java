package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile requests over a real socket: each gets a definite status — INVALID_ARGUMENT naming the
 * field, the transport's own, or an ordinary outcome — never a crash, a hang or a stuck worker,
 * and the next client is served. docs/RELIABILITY.md lists them with their outcomes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileInputTest {
  private HashFinderEngine engine;
  private HashFinderServer server;
  private ManagedChannel channel;
  private HashFinderGrpc.HashFinderBlockingStub stub;

  @BeforeEach
  void start() {
    engine = HashFinderEngine.newBuilder().threads(2)
        .budget(ResourceBudget.ofHashes(200_000)).build();
    server = HashFinderServer.forPort(0).finder(engine).start();
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(),
        InsecureChannelCredentials.create()).build();
    stub = HashFinderGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void theNextClientIsServed_andNothingIsLeftRunning() throws InterruptedException {
    try {
      HashNameResponse next = HashFinderGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .find(HashNameRequest.newBuilder().setDesiredName("aa").build());
      assertThat(next.getSecret()).isEqualTo("ZA==");
      await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      engine.close();
    }
  }

  private Status.Code codeOf(HashNameRequest request) {
    try {
      stub.find(request);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private String descriptionOf(HashNameRequest request) {
    try {
      stub.find(request);
      return "OK";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getDescription();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "an empty name                   | ''     | 0           | 0 | 0          | INVALID_ARGUMENT",
      "a name longer than the text     | 29     | 0           | 0 | 0          | INVALID_ARGUMENT",
      "a negative ideal distance       | aa     | -1          | 0 | 0          | INVALID_ARGUMENT",
      "the most negative distance      | aa     | -2147483648 | 0 | 0          | INVALID_ARGUMENT",
      "an absurd ideal distance        | aa     | 2147483647  | 0 | 0          | OK",
      "a negative budget               | aa     | 0           | 0 | -1         | INVALID_ARGUMENT",
      "a budget of zero (unset)        | aa     | 0           | 0 | 0          | OK",
      "a budget beyond the server's    | hashfinder | 0       | 0 | 9223372036854775807 | RESOURCE_EXHAUSTED",
      "an unknown digest               | aa     | 0           | 0 | 0          | INVALID_ARGUMENT"})
  void malformedAndAbsurdRequests_getADefiniteStatus(String label, String name, int ideal,
      int interesting, long maxHashes, Status.Code expected) {
    HashNameRequest.Builder request = HashNameRequest.newBuilder()
        .setDesiredName(name.equals("29") ? "x".repeat(29) : name)
        .setIdealHammingDistance(ideal)
        .setInterestingHammingDistance(interesting)
        .setMaxHashes(maxHashes);
    if (label.equals("an unknown digest")) {
      request.setAlgorithm("WHIRLPOOL-9000");
    }

    assertThat(codeOf(request.build())).isEqualTo(expected);
  }

  @Test
  void aBudgetBeyondTheServersCap_isCappedAtIt() {
    assertThat(descriptionOf(HashNameRequest.newBuilder().setDesiredName("hashfinder")
        .setMaxHashes(Long.MAX_VALUE).build()))
        .isEqualTo("budget of 200000 hashes exhausted after examining 200000 hashes");
  }

  @ParameterizedTest(name = "{0} from first_index {1}, max_hashes {2}")
  @CsvSource({
      "SHA-1,   9223372036854775707, 1000,                100",
      "SHA-256, 9223372036854775707, 1000,                100",
      "MD5,     9223372036854775707, 1000,                100",
      "SHA-1,   9223372036854775806, 9223372036854775807, 1",
      "SHA-1,   9223372036854775807, 1000,                0"})
  void theEndOfTheIndexSpace_endsBothCallsExhausted_withTheIndicesLeft(String algorithm,
      long first, long maxHashes, long left) {
    HashNameRequest request = HashNameRequest.newBuilder().setDesiredName("hashfinder")
        .setAlgorithm(algorithm).setFirstIndex(first).setMaxHashes(maxHashes).build();
    String expected = "reached the end of the index space after examining " + left
        + " hashes, within a budget of " + Math.min(maxHashes, 200_000) + " hashes";

    assertThat(descriptionOf(request)).isEqualTo(expected);
    assertThat(engine.activeSearches()).isZero();
    StatusRuntimeException ranged = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> stub.findRange(request).forEachRemaining(r -> { }));
    assertThat(ranged.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ranged.getStatus().getDescription()).isEqualTo(expected);
    assertThat(engine.activeSearches()).isZero();
  }

  @Test
  void aNegativeFirstIndex_isInvalidArgument_namingTheField() {
    assertThat(descriptionOf(HashNameRequest.newBuilder().setDesiredName("aa")
        .setFirstIndex(Long.MIN_VALUE).build()))
        .isEqualTo("first_index < 0: " + Long.MIN_VALUE);
  }

  @Test
  void aNameLongerThanAnyHashText_isRejectedByLength_withoutHashing() {
    long before = engine.hashesExamined();

    assertThat(descriptionOf(HashNameRequest.newBuilder()
        .setDesiredName("n".repeat(3000)).build()))
        .startsWith("desired_name has 3000 characters");
    assertThat(engine.hashesExamined()).isEqualTo(before);
  }

  @Test
  void a200kBRequest_isRefusedBeforeParsing_withResourceExhausted() {
    long before = engine.hashesExamined();

    StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> stub.find(
            HashNameRequest.newBuilder().setDesiredName("n".repeat(200_000)).build()));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).contains("exceeds maximum size 4096");
    assertThat(engine.hashesExamined()).isEqualTo(before);
  }

  @Test
  void nonAsciiAndNulCharacters_neverMatch_soAreRefusedBeyondTheirDistance() {
    assertThat(codeOf(HashNameRequest.newBuilder().setDesiredName("\u00e9\u0000").build()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(codeOf(HashNameRequest.newBuilder().setDesiredName("\u00e9\u0000")
        .setIdealHammingDistance(1).build())).isEqualTo(Status.Code.INVALID_ARGUMENT);
    // Within distance 1 of a two-character name, one matching character is enough.
    assertThat(codeOf(HashNameRequest.newBuilder().setDesiredName("a\u0000")
        .setIdealHammingDistance(1).build())).isEqualTo(Status.Code.OK);
  }

  @Test
  void malformedProtobufBytes_getInvalidArgument() {
    MethodDescriptor<byte[], byte[]> raw = HashFinderGrpc.getFindMethod().toBuilder(
        new RawBytes(), new RawBytes()).build();
    // Field 1 (desired_name, length-delimited) claiming 100 bytes that never come.
    byte[] truncated = {0x0a, 100, 'a', 'b'};

    StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
            channel, raw, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
            truncated));

    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("request is not a valid hash_name.HashNameRequest");
  }

  /** Sends and receives bytes as they are. */
  private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
