package dev.hashfinder.core;

import dev.hashfinder.HashAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * The native scanning kernel ({@code src/main/c}): SHA-1 of a whole range of secrets with the
 * SHA-NI instructions, several messages in flight, and a first look at each hash text with AVX2.
 * The Java engine keeps the orchestration: chunks, ordering, budgets and cancellation. A call
 * scans one block of a chunk (well under a millisecond) and returns the indices whose text has a
 * window within the threshold; the engine checks each of them again with {@link WindowMatcher}
 * before it counts, so the kernel can never add an answer, only find them faster.
 *
 * <p>The library is built by Maven on linux-x86_64 when a C compiler is present and travels in
 * the jar. It is used only if it loads, the CPU has SHA-NI, SSE4.1 and AVX2, and it passes a
 * known-answer test against the JDK's SHA-1 and the Java matcher; {@code
 * -Dhashfinder.native=false} turns it off. Otherwise the engine runs its Java path, with the same
 * answers. {@link #status()} says which and why.
 *
 * <p>Thread-safe: the kernel keeps no state between calls.
 */
final class NativeKernel {
  /** The system property that turns the kernel off when {@code false}. */
  static final String PROPERTY = "hashfinder.native";

  /** The most anchors the kernel's filter holds (a byte of bits); more pieces count every text. */
  static final int MAX_ANCHORS = 8;
  /** The longest anchor: three adjacent characters. */
  static final int ANCHOR_LENGTH = 3;

  private static final int CODES = 65;
  private static final int[] ALL_CODES = IntStream.range(0, 64).toArray();
  private static final int HEADER = 195;
  private static final int FLAGS = 192;
  private static final int PASS_ALL = 1;
  private static final int CPU_REQUIRED = 1 | 2 | 4; // SHA-NI, SSE4.1, AVX2
  private static final int CPU_AVX512 = 8;
  private static final String RESOURCE = "linux-x86_64/libhashfinder-kernel.so";

  private static final System.Logger logger = System.getLogger(NativeKernel.class.getName());

  private static final boolean AVAILABLE;
  private static final String STATUS;

  static {
    String[] outcome = load();
    AVAILABLE = outcome[0] != null;
    STATUS = AVAILABLE ? outcome[0] : "Java (native kernel " + outcome[1] + ")";
    logger.log(Level.DEBUG, "search path: {0}", STATUS);
  }

  private NativeKernel() {}

  /** Whether searches with SHA-1 from the JDK run on the kernel. */
  static boolean available() {
    return AVAILABLE;
  }

  /**
   * Which path SHA-1 searches take, for start lines and benchmark reports: {@code "native
   * (SHA-NI, AVX2, 2 messages at once)"} or {@code "Java (native kernel ...)"} with the reason.
   */
  static String status() {
    return STATUS;
  }

  /**
   * The kernel's form of a query, if the kernel can run it: the JDK's SHA-1 (not a digest that
   * merely shares its name) with the kernel loaded.
   *
   * @param threshold the largest distance a hit may have
   * @return the query bytes, or null: scan in Java
   */
  static byte[] queryFor(HashAlgorithm algorithm, String target, int threshold) {
    if (!AVAILABLE || !(algorithm instanceof MessageDigestAlgorithm jdk)
        || !jdk.name().equals("SHA-1")) {
      return null;
    }
    return encode(target, threshold);
  }

  /**
   * Lays out a query as kernel.h describes it. The filter's anchors follow the pigeonhole
   * principle as {@link AnchorFilter}'s do: the target is cut into {@code threshold + 1} pieces,
   * and a text within the threshold holds one of them exactly, hence that piece's anchor, its
   * rarest run of up to three characters. Pieces that can never match are left out; a piece
   * whose every run needs {@code '='} (not in the filter's lanes), or more pieces than {@link
   * #MAX_ANCHORS}, turn the filter off and every text is counted.
   */
  static byte[] encode(String target, int threshold) {
    int[] codePoints = target.codePoints().toArray();
    int m = codePoints.length;
    int textLength = WindowMatcher.textLength(20);
    if (m < 1 || m > textLength || threshold < 0) {
      throw new IllegalArgumentException("target length " + m + " or threshold " + threshold);
    }
    byte[] query = new byte[HEADER + CODES * m];
    int pieces = threshold + 1;
    boolean passAll = threshold >= m || pieces > MAX_ANCHORS;
    for (int i = 0; i < pieces && !passAll; i++) {
      int start = (int) ((long) i * m / pieces);
      int end = (int) ((long) (i + 1) * m / pieces);
      int[][] codes = AnchorFilter.pieceCodes(codePoints, start, end);
      if (codes == null) {
        continue; // the piece never matches exactly, so no qualifying text needs its anchor
      }
      // Any run of three is rarer than any of two, and that than any one: the longest wins.
      int length = Math.min(ANCHOR_LENGTH, end - start);
      int at = AnchorFilter.rarestRun(codes, length);
      while (at < 0 && length > 1) {
        length--;
        at = AnchorFilter.rarestRun(codes, length);
      }
      if (at < 0) {
        passAll = true; // every run needs '=', which is not in the filter's lanes
        continue;
      }
      for (int k = 0; k < ANCHOR_LENGTH; k++) {
        // An anchor shorter than three needs nothing of the characters after it.
        for (int code : k < length ? codes[at + k] : ALL_CODES) {
          query[64 * k + code] |= (byte) (1 << i);
        }
      }
    }
    if (passAll) {
      query[FLAGS] = PASS_ALL; // the kernel then ignores the tables
    }
    query[FLAGS + 1] = (byte) m;
    query[FLAGS + 2] = (byte) Math.min(threshold, m);
    for (int j = 0; j < m; j++) {
      for (int code = 0; code < CODES; code++) {
        query[HEADER + j * CODES + code] =
            (byte) (WindowMatcher.matches(codePoints[j], code) ? 1 : 0);
      }
    }
    return query;
  }

  /**
   * Scans the indices {@code [start, end)}, writing each hit's index to {@code hits} in order.
   *
   * @return how many hits it wrote; if that is {@code hits.length} (or 256, the most one call
   *     returns), the scan stopped right after the last of them
   */
  static int scan(byte[] query, long start, long end, long[] hits) {
    return scanSha1(query, start, end, hits);
  }

  private static native int cpuFeatures();

  private static native int scanSha1(byte[] query, long start, long end, long[] hits);

  private static native void sha1OfIndex(long index, byte[] digest);

  /** Loads and checks the kernel: {description, null} if it may run, else {null, reason}. */
  private static String[] load() {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
      return new String[] {null, "off: -D" + PROPERTY + "=false"};
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return new String[] {null, "not built for " + os + "-" + arch};
    }
    try (InputStream library = NativeKernel.class.getResourceAsStream(RESOURCE)) {
      if (library == null) {
        return new String[] {null, "not in this jar: it was built without a C compiler"};
      }
      Path file = extract(library);
      try {
        System.load(file.toAbsolutePath().toString());
      } finally {
        // Loaded, the library stays mapped; neither file nor directory need outlive this moment.
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
      }
    } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
      // RuntimeException: also IllegalCallerException, from a JDK that denies native access
      // (--illegal-native-access=deny, or a later JDK's default without --enable-native-access).
      return new String[] {null, "did not load: " + e};
    }
    int features = cpuFeatures();
    if ((features & CPU_REQUIRED) != CPU_REQUIRED) {
      return new String[] {null, "off: this CPU lacks SHA-NI, SSE4.1 or AVX2"};
    }
    String failure = knownAnswerTest();
    if (failure != null) {
      logger.log(Level.WARNING, "native kernel failed its known-answer test, not used: {0}",
          failure);
      return new String[] {null, "failed its known-answer test: " + failure};
    }
    boolean wide = (features & CPU_AVX512) != 0;
    return new String[] {
        "native (SHA-NI, " + (wide ? "AVX-512, 4" : "AVX2, 2") + " messages at once)", null};
  }

  /**
   * Writes the library to a new file in a new directory of the temporary directory, both made
   * with only the owner's permissions (0700 and 0600, whatever the umask): nobody else can read,
   * replace or add to the code the JVM is about to load. The file is created, never replaced, so
   * it never takes the umask's permissions (as a copy that replaces an existing file would).
   *
   * @return the file; the caller deletes it and its directory
   */
  static Path extract(InputStream library) throws IOException {
    Path directory = Files.createTempDirectory("hashfinder-kernel",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path file = directory.resolve("libhashfinder-kernel.so");
    try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(file,
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
      library.transferTo(out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      Files.deleteIfExists(directory);
      throw e;
    }
    return file;
  }

  /**
   * The kernel's SHA-1 against the JDK's on secrets of every length, and its hits against the
   * Java matcher's on ranges across the first length boundaries.
   *
   * @return what differs, or null
   */
  static String knownAnswerTest() {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] digest = new byte[20];
      long[] indices = {0, 1, 255, 256, 65_280, 65_281, 16_646_656L, 4_244_897_281L,
          Long.MAX_VALUE};
      for (long index : indices) {
        sha1OfIndex(index, digest);
        if (!Arrays.equals(digest, sha1.digest(SecretSequence.at(index)))) {
          return "SHA-1 of index " + index;
        }
      }
      String[] targets = {"aa", "doc", "PDY4Ns9OFmZmaaJdooChhlwtKHQ", "a+/9"};
      long[][] ranges = {{0, 600}, {65_000, 65_600}};
      for (String target : targets) {
        for (int threshold = 0; threshold <= 2; threshold++) {
          for (long[] range : ranges) {
            long[] expected = javaHits(sha1, target, threshold, range[0], range[1]);
            long[] actual = nativeHits(encode(target, threshold), range[0], range[1]);
            if (!Arrays.equals(expected, actual)) {
              return "hits of " + target + " within " + threshold + " in [" + range[0] + ", "
                  + range[1] + "): " + Arrays.toString(actual) + ", expected "
                  + Arrays.toString(expected);
            }
          }
        }
      }
      return null;
    } catch (NoSuchAlgorithmException | RuntimeException e) {
      return e.toString();
    }
  }

  /** Every hit in {@code [start, end)}, through the kernel. */
  static long[] nativeHits(byte[] query, long start, long end) {
    long[] buffer = new long[64];
    LongStream.Builder all = LongStream.builder();
    long at = start;
    while (at < end) {
      int found = scan(query, at, end, buffer);
      for (int i = 0; i < found; i++) {
        all.add(buffer[i]);
      }
      at = found == buffer.length ? buffer[found - 1] + 1 : end;
    }
    return all.build().toArray();
  }

  /** Every hit in {@code [start, end)}, through the JDK's digest and the Java matcher. */
  static long[] javaHits(MessageDigest sha1, String target, int threshold, long start, long end) {
    WindowMatcher matcher = new WindowMatcher(target, threshold, 20);
    byte[] padded = new byte[AnchorFilter.paddedLength(20)];
    byte[] codes = new byte[matcher.textLength()];
    LongStream.Builder hits = LongStream.builder();
    for (long index = start; index < end; index++) {
      System.arraycopy(sha1.digest(SecretSequence.at(index)), 0, padded, 0, 20);
      matcher.decode(padded, codes);
      if (matcher.within(codes)) {
        hits.add(index);
      }
    }
    return hits.build().toArray();
  }
}
