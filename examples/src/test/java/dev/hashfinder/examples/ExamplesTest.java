package dev.hashfinder.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each example runs to its end and prints what it promises. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExamplesTest {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void captureStdout() {
    original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStdout() {
    System.setOut(original);
  }

  private String output() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void customDigestExample_findsWithEachDigest() {
    CustomDigestExample.main(new String[0]);

    assertThat(output()).contains("SALTED-SHA-256: secret ", "MD5: secret ", "MURMUR3-128: ");
  }

  @Test
  void cancelExample_cancelsBothWays_andFreesTheWorkers() throws Exception {
    CancelFromAnotherThreadExample.main(new String[0]);

    assertThat(output()).contains("cancelled by its token", "cancelled by its future",
        "workers free");
  }

  @Test
  void inProcessExample_getsTheSameAnswerBothWays() throws Exception {
    InProcessServerExample.main(new String[0]);

    assertThat(output()).contains("engine: Match{index=67087, secret=AAcV",
        "gRPC client: Match{index=67087, secret=AAcV", "gRPC client streams: Match{index=101");
  }
}
