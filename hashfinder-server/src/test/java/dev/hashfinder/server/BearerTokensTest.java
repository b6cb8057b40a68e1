package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.net.InetAddresses;
import dev.hashfinder.grpc.BearerTokenCredentials;
import io.grpc.Attributes;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens on both sides: the server's set and file, the client's credentials. */
class BearerTokensTest {
  @TempDir Path directory;

  private static final String FIRST = "first-token-0123456789";
  private static final String SECOND = "second-token-0123456789";

  @Test
  void aFile_holdsOneTokenALine_skippingBlankLinesAndComments() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"),
        "# ops\n\n  " + FIRST + "  \n" + SECOND + "\n");

    BearerTokens tokens = BearerTokens.fromFile(file);

    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.check(FIRST)).contains(BearerTokens.fingerprint(FIRST));
    assertThat(tokens.check(SECOND)).isPresent();
    assertThat(tokens.check("# ops")).isEmpty();
    assertThat(tokens.check(FIRST.substring(1))).isEmpty();
    assertThat(tokens.check("")).isEmpty();
    assertThat(tokens).hasToString("BearerTokens{" + file + ", 2 tokens}");
  }

  @Test
  void aFileWithNoToken_orNone_isRefusedAtStart() throws Exception {
    Path empty = Files.writeString(directory.resolve("empty"), "# nothing yet\n");

    assertThatThrownBy(() -> BearerTokens.fromFile(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the token file " + empty + " holds no token");
    assertThatThrownBy(() -> BearerTokens.fromFile(directory.resolve("missing")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("cannot read the token file " + directory.resolve("missing"));
  }

  @Test
  void aShortToken_orOneOutsideVisibleAscii_isRefusedAtStart_namingTheLine_neverTheToken()
      throws Exception {
    Path guessable = Files.writeString(directory.resolve("short"),
        "# ops\n" + FIRST + "\nswordfish\n");
    Path spaced = Files.writeString(directory.resolve("spaced"), "two words-0123456789\n");
    Path accented = Files.writeString(directory.resolve("accented"),
        FIRST + "\n\ncaf\u00e9-token-0123456789\n");
    Path escaped = Files.writeString(directory.resolve("escaped"),
        "token-0123456789\u001b[2J\n");

    assertThatThrownBy(() -> BearerTokens.fromFile(guessable))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the token file " + guessable + ", line 3: 9 characters, fewer than the 16 "
            + "a token needs");
    assertThatThrownBy(() -> BearerTokens.fromFile(spaced))
        .hasMessage("the token file " + spaced + ", line 1: a character other than visible "
            + "ASCII, at column 4");
    assertThatThrownBy(() -> BearerTokens.fromFile(accented))
        .hasMessage("the token file " + accented + ", line 3: a character other than visible "
            + "ASCII, at column 4");
    assertThatThrownBy(() -> BearerTokens.fromFile(escaped))
        .hasMessageContaining("line 1: a character other than visible ASCII, at column 17")
        .hasMessageNotContaining("token-0123456789");
  }

  @Test
  void aReReadThatFindsABadToken_keepsTheTokensReadBefore_andWarnsOnce_namingTheLine()
      throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), FIRST + "\n");
    BearerTokens tokens = BearerTokens.fromFile(file, null);
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler handler = recording(warnings, file);

    try {
      Files.writeString(file, SECOND + "\nswordfish\n");
      tokens.refresh();
      tokens.refresh();
    } finally {
      Logger.getLogger(BearerTokens.class.getName()).removeHandler(handler);
    }

    assertThat(tokens.check(FIRST)).isPresent();
    assertThat(tokens.check(SECOND)).isEmpty();
    assertThat(warnings).containsExactly("token file " + file + " not re-read, keeping the 1 "
        + "tokens read before: the token file " + file + ", line 2: 9 characters, fewer than "
        + "the 16 a token needs");
  }

  @Test
  void aFileThatBecomesEmpty_keepsTheTokensReadBefore() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), FIRST + "\n");
    BearerTokens tokens = BearerTokens.fromFile(file, null);

    Files.writeString(file, "");
    tokens.refresh();
    boolean keptWhileEmpty = tokens.check(FIRST).isPresent();
    Files.writeString(file, SECOND + "\n");
    tokens.refresh();

    assertThat(keptWhileEmpty).isTrue();
    assertThat(tokens.check(SECOND)).isPresent();
    assertThat(tokens.check(FIRST)).isEmpty();
  }

  @Test
  void aChange_isSeenByItsContent_evenWithTheSameTimeAndSize() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), "old-token-0123456789\n");
    FileTime written = Files.getLastModifiedTime(file);
    BearerTokens tokens = BearerTokens.fromFile(file, null);

    Files.writeString(file, "new-token-0123456789\n"); // the same size
    Files.setLastModifiedTime(file, written); // and the same time
    tokens.refresh();

    assertThat(tokens.check("new-token-0123456789")).isPresent();
    assertThat(tokens.check("old-token-0123456789")).isEmpty();
  }

  @Test
  void theFile_isReReadByABackgroundThread_neverByACall() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), FIRST + "\n");
    BearerTokens tokens = BearerTokens.fromFile(file, Duration.ofMillis(20));
    List<LogRecord> reReads = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getMessage().contains(file.toString())) { // not another test's file
          reReads.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger(BearerTokens.class.getName());
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO); // the tests' logging configuration shows warnings only
    logger.addHandler(handler);
    try {
      Files.writeString(file, SECOND + "\n");

      await().atMost(Duration.ofSeconds(10))
          .until(() -> tokens.check(SECOND).isPresent() && !reReads.isEmpty());
    } finally {
      logger.removeHandler(handler);
      logger.setLevel(level);
    }

    assertThat(reReads).singleElement().satisfies(record -> {
      assertThat(record.getMessage()).isEqualTo("token file " + file + " re-read: 1 tokens");
      assertThat(record.getLongThreadID()).isNotEqualTo(Thread.currentThread().getId());
    });
  }

  @Test
  void fixedTokens_mustBeGiven_andEachFollowTheRule() {
    assertThat(BearerTokens.of(FIRST, SECOND).size()).isEqualTo(2);
    assertThat(BearerTokens.of(FIRST)).hasToString("BearerTokens{fixed, 1 tokens}");
    assertThatThrownBy(BearerTokens::of).hasMessage("no bearer token given");
    assertThatThrownBy(() -> BearerTokens.of(FIRST, "swordfish"))
        .hasMessage("bearer token 2 of 2: 9 characters, fewer than the 16 a token needs");
    assertThatThrownBy(() -> BearerTokens.of(" ".repeat(20)))
        .hasMessage("bearer token 1 of 1: a character other than visible ASCII, at column 1");
  }

  /** A handler that records the messages of BearerTokens' warnings about {@code file}. */
  private static Handler recording(List<String> warnings, Path file) {
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel() == Level.WARNING && record.getMessage().contains(file.toString())) {
          warnings.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger.getLogger(BearerTokens.class.getName()).addHandler(handler);
    return handler;
  }

  @Test
  void aFingerprint_isTheStartOfTheTokensSha256() {
    // printf 'secret' | sha256sum
    assertThat(BearerTokens.fingerprint("secret")).isEqualTo("2bb80d53");
  }

  @Test
  void credentials_sendTheToken_overTls_orOverAConnectionToLoopback() {
    CallCredentials credentials = BearerTokenCredentials.of("t0ken");

    assertThat(apply(credentials, SecurityLevel.PRIVACY_AND_INTEGRITY, "example.com:443",
        "10.0.0.1")).isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "localhost:50051", "127.0.0.1"))
        .isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "example.com:50051", "127.0.0.2"))
        .as("a proxy on this machine, whatever the server is called").isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "[::1]:50051", "::1"))
        .isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.INTEGRITY, "example.com", "10.0.0.1"))
        .startsWith("UNAUTHENTICATED");
    assertThat(credentials).hasToString(
        "BearerTokenCredentials{" + BearerTokens.fingerprint("t0ken") + "}");
  }

  @Test
  void credentials_judgeLoopbackByTheAddressConnectedTo_notByTheAuthority() {
    CallCredentials credentials = BearerTokenCredentials.of("t0ken");

    assertThat(apply(credentials, SecurityLevel.NONE, "localhost:1", "10.0.0.1"))
        .isEqualTo("UNAUTHENTICATED: not sending a bearer token in clear to 10.0.0.1:50051: "
            + "use TLS");
    assertThat(apply(credentials, SecurityLevel.NONE, "127.0.0.1:1", "192.0.2.7"))
        .startsWith("UNAUTHENTICATED");
    assertThat(apply(credentials, SecurityLevel.NONE, "localhost:1", null))
        .as("no address known").isEqualTo("UNAUTHENTICATED: not sending a bearer token in clear "
            + "to localhost:1: use TLS");
  }

  @Test
  void credentials_refuseTokensThatCannotBeAHeader_andReadTheFirstOfAFile() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), "# mine\nfrom-file\nsecond\n");

    assertThat(apply(BearerTokenCredentials.fromFile(file), SecurityLevel.NONE, "localhost",
        "127.0.0.1")).isEqualTo("Bearer from-file");
    assertThat(apply(BearerTokenCredentials.of("!~"), SecurityLevel.NONE, "localhost",
        "127.0.0.1")).isEqualTo("Bearer !~");
    assertThatThrownBy(() -> BearerTokenCredentials.of("a\u007f"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BearerTokenCredentials.of("two words"))
        .hasMessage("a bearer token is printable ASCII with no spaces");
    assertThatThrownBy(() -> BearerTokenCredentials.of("caf\u00e9"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BearerTokenCredentials.of(""))
        .isInstanceOf(IllegalArgumentException.class);
    Path empty = Files.writeString(directory.resolve("empty"), "\n");
    assertThatThrownBy(() -> BearerTokenCredentials.fromFile(empty))
        .hasMessage("the token file " + empty + " holds no token");
    assertThatThrownBy(() -> BearerTokenCredentials.fromFile(directory.resolve("missing")))
        .isInstanceOf(UncheckedIOException.class);
  }

  /**
   * The authorization header the credentials add, or the status they fail with, on a connection
   * to {@code peer} (port 50051; null for none known).
   */
  private static String apply(CallCredentials credentials, SecurityLevel level,
      String authority, String peer) {
    AtomicReference<String> result = new AtomicReference<>();
    credentials.applyRequestMetadata(new CallCredentials.RequestInfo() {
      @Override
      public MethodDescriptor<?, ?> getMethodDescriptor() {
        return null;
      }

      @Override
      public SecurityLevel getSecurityLevel() {
        return level;
      }

      @Override
      public String getAuthority() {
        return authority;
      }

      @Override
      public Attributes getTransportAttrs() {
        return peer == null ? Attributes.EMPTY : Attributes.newBuilder()
            .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR,
                new InetSocketAddress(InetAddresses.forString(peer), 50051))
            .build();
      }
    }, Runnable::run, new CallCredentials.MetadataApplier() {
      @Override
      public void apply(Metadata headers) {
        result.set(headers.get(Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER)));
      }

      @Override
      public void fail(Status status) {
        result.set(status.getCode() + ": " + status.getDescription());
      }
    });
    return result.get();
  }
}
