package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.base.Splitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 abuse suite ({@code src/test/python/abuse.py}): eight attacks on the packaged
 * {@code serve}, then two legitimate clients that cancel heavily, each while a legitimate client
 * keeps calling, with the targets of docs/RELIABILITY.md checked and the table written to {@code
 * target/abuse-report.md}. {@code mvn verify} runs the rows that tell a flood from heavy
 * cancelling (the pom names them); {@code mvn -Pabuse -pl examples verify} runs every row
 * (docs/RELIABILITY.md says how long it takes); {@code -Dhashfinder.abuse.only=NAME;NAME} runs
 * only the rows named.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class AbuseSuiteIT {
  private static final String PYTHON = "/usr/bin/python3";
  private static final String JAR = System.getProperty("hashfinder.jar",
      Path.of("target/hashfinder.jar").toAbsolutePath().toString());

  @Test
  void everyAttack_leavesLegitimateClientsServed_andTheServerBounded() throws Exception {
    boolean available = run(List.of(PYTHON, "-c", "import grpc, h2, hpack, hyperframe")) == 0
        && Files.isExecutable(Path.of("/usr/bin/grpc_python_plugin"));
    if (!available && System.getenv("CI") != null) {
      throw new AssertionError("CI needs python3-grpcio, python3-h2 and protobuf-compiler-grpc");
    }
    assumeTrue(available, "python3-h2 or python3-grpcio is not installed");
    Path stubs = Files.createDirectories(Path.of("target/abuse-stubs").toAbsolutePath());
    assertThat(run(List.of("protoc", "--proto_path=../hashfinder-grpc/src/main/proto",
        "--python_out=" + stubs, "--grpc_python_out=" + stubs,
        "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", "hash_name.proto")))
        .as("protoc for Python").isZero();

    List<String> command = new ArrayList<>(List.of(PYTHON, "src/test/python/abuse.py",
        "--jar", JAR, "--stubs", stubs.toString(),
        "--seconds", System.getProperty("hashfinder.abuse.seconds", "10"),
        "--report", Path.of("target/abuse-report.md").toAbsolutePath().toString()));
    // Some rows only, by name, separated by ';' (CI runs those that tell a flood from cancelling).
    for (String row : Splitter.on(';').trimResults().omitEmptyStrings()
        .split(System.getProperty("hashfinder.abuse.only", ""))) {
      command.addAll(List.of("--only", row));
    }

    assertThat(run(command)).as("every target held (the table and any miss are above)").isZero();
  }

  private static int run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (!process.waitFor(14, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }
}
