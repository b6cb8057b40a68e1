package dev.hashfinder.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens on both sides: the server's set and file, the client's credentials. */
class BearerTokensTest {
  @TempDir Path directory;

  @Test
  void aFile_holdsOneTokenALine_skippingBlankLinesAndComments() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), "# ops\n\n  first  \nsecond\n");

    BearerTokens tokens = BearerTokens.fromFile(file);

    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.check("first")).contains(BearerTokens.fingerprint("first"));
    assertThat(tokens.check("second")).isPresent();
    assertThat(tokens.check("# ops")).isEmpty();
    assertThat(tokens.check("firs")).isEmpty();
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
  void aFileThatBecomesEmpty_keepsTheTokensReadBefore() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), "kept\n");
    BearerTokens tokens = BearerTokens.fromFile(file, Duration.ZERO); // checks on every call

    Files.writeString(file, "");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    boolean keptWhileEmpty = tokens.check("kept").isPresent();
    Files.writeString(file, "replaced\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));

    assertThat(keptWhileEmpty).isTrue();
    assertThat(tokens.check("replaced")).isPresent();
    assertThat(tokens.check("kept")).isEmpty();
  }

  @Test
  void aChange_isSeenByItsTime_orByItsSize() throws Exception {
    Path file = Files.writeString(directory.resolve("tokens"), "old-token\n");
    FileTime written = Files.getLastModifiedTime(file);
    BearerTokens tokens = BearerTokens.fromFile(file, Duration.ZERO);

    Files.writeString(file, "new-token\n"); // the same size
    Files.setLastModifiedTime(file, FileTime.from(written.toInstant().plusSeconds(5)));
    boolean sameSizeSeen = tokens.check("new-token").isPresent();
    Files.writeString(file, "newer-token\nsecond\n");
    Files.setLastModifiedTime(file, FileTime.from(written.toInstant().plusSeconds(5)));

    assertThat(sameSizeSeen).as("a change of time alone").isTrue();
    assertThat(tokens.size()).as("a change of size alone").isEqualTo(2);
    assertThat(tokens.check("newer-token")).isPresent();
  }

  @Test
  void fixedTokens_mustBeGivenAndNotBlank() {
    assertThat(BearerTokens.of("a", "b").size()).isEqualTo(2);
    assertThat(BearerTokens.of("a")).hasToString("BearerTokens{fixed, 1 tokens}");
    assertThatThrownBy(BearerTokens::of).hasMessage("no bearer token given");
    assertThatThrownBy(() -> BearerTokens.of("a", " ")).hasMessage("a bearer token is blank");
  }

  @Test
  void aFingerprint_isTheStartOfTheTokensSha256() {
    // printf 'secret' | sha256sum
    assertThat(BearerTokens.fingerprint("secret")).isEqualTo("2bb80d53");
  }

  @Test
  void credentials_sendTheToken_overTls_orToLoopback() {
    CallCredentials credentials = BearerTokenCredentials.of("t0ken");

    assertThat(apply(credentials, SecurityLevel.PRIVACY_AND_INTEGRITY, "example.com:443"))
        .isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "localhost:50051"))
        .isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "127.0.0.1:50051"))
        .isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "[::1]:50051"))
        .isEqualTo("Bearer t0ken");
    assertThat(apply(credentials, SecurityLevel.NONE, "10.0.0.1:50051"))
        .isEqualTo("UNAUTHENTICATED: not sending a bearer token in clear to 10.0.0.1:50051: "
            + "use TLS");
    assertThat(apply(credentials, SecurityLevel.INTEGRITY, "example.com"))
        .startsWith("UNAUTHENTICATED");
    assertThat(apply(credentials, SecurityLevel.NONE, "[bad")).startsWith("UNAUTHENTICATED");
    assertThat(credentials).hasToString(
        "BearerTokenCredentials{" + BearerTokens.fingerprint("t0ken") + "}");
  }

  @Test
  void credentials_refuseTokensThatCannotBeAHeader_andReadTheFirstOfAFile() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), "# mine\nfrom-file\nsecond\n");

    assertThat(apply(BearerTokenCredentials.fromFile(file), SecurityLevel.NONE, "localhost"))
        .isEqualTo("Bearer from-file");
    assertThat(apply(BearerTokenCredentials.of("!~"), SecurityLevel.NONE, "localhost"))
        .isEqualTo("Bearer !~");
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

  /** The authorization header the credentials add, or the status they fail with. */
  private static String apply(CallCredentials credentials, SecurityLevel level,
      String authority) {
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
      public io.grpc.Attributes getTransportAttrs() {
        return io.grpc.Attributes.EMPTY;
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
