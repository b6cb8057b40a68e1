package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file the native library is loaded from: only its owner may read or replace it, whatever
 * the umask, and nothing is left behind. The umask belongs to the process, so a child JVM started
 * under {@code umask 000} (where a file made without explicit permissions is anyone's to write)
 * extracts the library and reports what it saw.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NativeLibraryFileTest {
  private static final String RESOURCE = "linux-x86_64/libhashfinder-kernel.so";

  @Test
  void underUmask000_theLibraryIsWrittenOwnerOnly_andNothingIsLeftBehind(@TempDir Path tmp)
      throws Exception {
    assumeThat(NativeKernel.class.getResource(RESOURCE)).as("the kernel was built").isNotNull();
    assumeThat(Path.of("/bin/sh")).isExecutable();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    Process child = new ProcessBuilder("/bin/sh", "-c", "umask 000; exec \"$0\" \"$@\"", java,
        "-cp", System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + tmp,
        Probe.class.getName())
        .redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output.lines().toList()).as(output).contains(
        "umask file rw-rw-rw-", // the probe's own file: the umask really is 000
        "directory rwx------",
        "library rw-------",
        "left after loading: []");
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).isEmpty();
    }
  }

  /** Run in the child: what the extraction makes, then what loading leaves. */
  static final class Probe {
    public static void main(String[] args) throws IOException {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      Path plain = Files.createFile(tmp.resolve("plain"));
      System.out.println("umask file " + permissions(plain));
      Files.delete(plain);

      try (InputStream library = NativeKernel.class.getResourceAsStream(RESOURCE)) {
        Path file = NativeKernel.extract(library);
        System.out.println("directory " + permissions(file.getParent()));
        System.out.println("library " + permissions(file));
        Files.delete(file);
        Files.delete(file.getParent());
      }

      NativeKernel.loaded(); // loads the kernel the way every engine does
      try (Stream<Path> left = Files.list(tmp)) {
        List<String> names = left.map(path -> path.getFileName().toString()).toList();
        System.out.println("left after loading: " + names);
      }
    }

    private static String permissions(Path path) throws IOException {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
  }
}
