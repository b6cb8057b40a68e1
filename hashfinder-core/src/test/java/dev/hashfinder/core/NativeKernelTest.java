package dev.hashfinder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.hashfinder.Query;
import dev.hashfinder.core.NativeKernel.Digest;
import dev.hashfinder.core.NativeKernel.Scan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native kernel against the Java path. A native fault takes the JVM down, so every copy of
 * every digest's scan this CPU can run (AVX2 alone, and AVX-512 where it has it) is compared hit
 * for hit with the JDK's digest and the Java matcher on random targets, thresholds, starts
 * (across every length boundary) and sizes. Runs where the kernel runs; where this machine could
 * build and run it, it must be in use. The build runs this class again with features withheld
 * ({@code -Dhashfinder.native.without}), as a CPU without them would.
 */
class NativeKernelTest {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  /** The first index of each secret length, where the kernel's cursor changes its layout. */
  private static final long[] BOUNDARIES = {1, 256, 65_281, 16_646_656L, 4_244_897_281L,
      1_082_448_806_656L, 276_024_445_697_281L, 70_386_233_652_806_656L};

  @BeforeAll
  static void kernelIsInUseWhereItCanBe() throws Exception {
    boolean built = NativeKernel.class.getResource("linux-x86_64/libhashfinder-kernel.so") != null;
    boolean disabled = "false".equals(System.getProperty(NativeKernel.PROPERTY));
    Path cpuinfo = Path.of("/proc/cpuinfo");
    String flags = Files.isReadable(cpuinfo) ? Files.readString(cpuinfo) : "";
    if (built && !disabled && flags.contains(" avx2")) {
      assertThat(NativeKernel.loaded()).as("the kernel was built and the CPU can run it").isTrue();
      try (HashFinderEngine engine = engine(true)) {
        for (Digest digest : Digest.values()) {
          boolean shaNi = digest == Digest.SHA_1 || digest == Digest.SHA_256;
          boolean withheld = withheld("avx2") || shaNi && withheld("sha");
          boolean cpu = !shaNi || flags.contains(" sha_ni") && flags.contains(" sse4_1");
          if (cpu && !withheld) {
            // The one reason a capable CPU may still take the Java path: the kernel was slow.
            assertThat(engine.searchPath(digest.algorithm)).as(digest.algorithm)
                .matches("native .*|.*slower than expected.*");
          }
        }
      }
    }
    assumeThat(NativeKernel.loaded()).as("the native kernel is not loaded").isTrue();
  }

  private static boolean withheld(String feature) {
    return Arrays.asList(System.getProperty(NativeKernel.WITHOUT_PROPERTY, "").split(","))
        .contains(feature);
  }

  private static HashFinderEngine engine(boolean kernel) {
    return HashFinderEngine.newBuilder().threads(1).nativeKernel(kernel).build();
  }

  /** The features that run each copy of the digest's scan this CPU has and may use. */
  private static List<Integer> copies(Digest digest) {
    int features = NativeKernel.features();
    int needs = digest == Digest.SHA_1 || digest == Digest.SHA_256
        ? NativeKernel.CPU_SHA | NativeKernel.CPU_SSE41 | NativeKernel.CPU_AVX2
        : NativeKernel.CPU_AVX2;
    List<Integer> copies = new ArrayList<>();
    if ((features & needs) == needs) {
      copies.add(features & ~NativeKernel.CPU_AVX512);
      if ((features & NativeKernel.CPU_AVX512) != 0) {
        copies.add(features);
      }
    }
    return copies;
  }

  private static long[] javaHits(Digest digest, String target, int threshold, long start,
      long end) throws Exception {
    byte[][] digests = NativeKernel.jdkDigests(
        MessageDigest.getInstance(digest.algorithm), start, end);
    return NativeKernel.javaHits(digests, start, target, threshold, digest);
  }

  private static long[] nativeHits(Digest digest, int features, String target, int threshold,
      long start, long end) {
    return NativeKernel.nativeHits(
        new Scan(digest, features, NativeKernel.encode(target, threshold, digest)), start, end);
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void theKnownAnswerTest_passesForEveryCopy(Digest digest) {
    for (int features : copies(digest)) {
      assertThat(NativeKernel.knownAnswerTest(digest, features)).as("features %d", features)
          .isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void hits_areTheJavaPathsHits_onRandomQueriesStartsAndSizes(Digest digest) throws Exception {
    List<Integer> copies = copies(digest);
    assumeThat(copies).as("a copy of %s runs here", digest).isNotEmpty();
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int textLength = HashText.textLength(digest.length);
    for (int round = 0; round < 120; round++) {
      int length = 1 + random.nextInt(round % 4 == 0 ? textLength : 8);
      String target = randomTarget(random, length);
      // Mostly thresholds that give some hits on short ranges, and some that give none.
      int threshold = random.nextInt(Math.min(length + 2, 6));
      long start = randomStart(random);
      long end = start + 1 + random.nextInt(random.nextBoolean() ? 40 : 3000);

      long[] expected = javaHits(digest, target, threshold, start, end);
      for (int features : copies) {
        assertThat(nativeHits(digest, features, target, threshold, start, end))
            .as("seed %d, features %d: %s within %d in [%d, %d)", seed, features, target,
                threshold, start, end)
            .containsExactly(expected);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void aQueryWithAThresholdAboveItsLength_isRefusedAsMalformed(Digest digest) {
    for (int features : copies(digest)) {
      byte[] query = NativeKernel.encode("aa", 5, digest);
      assertThat(query[194]).as("a threshold beyond the length is written as the length")
          .isEqualTo((byte) 2);
      assertThat(new Scan(digest, features, query).scan(0, 10, new long[16])).isEqualTo(10);

      query[194] = 3;

      assertThatThrownBy(() -> new Scan(digest, features, query).scan(0, 10, new long[16]))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("scan: malformed query");
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void rangesEndingAtTheTopOfTheIndexSpace_giveTheJavaPathsHits(Digest digest) throws Exception {
    for (long size = 0; size <= 600; size += size < 34 ? 1 : 97) {
      long start = Long.MAX_VALUE - size;
      for (String target : new String[] {"a", "doc", "Zz9"}) {
        for (int threshold = 0; threshold <= 1; threshold++) {
          long[] expected = javaHits(digest, target, threshold, start, Long.MAX_VALUE);
          for (int features : copies(digest)) {
            assertThat(nativeHits(digest, features, target, threshold, start, Long.MAX_VALUE))
                .as("%s within %d from MAX-%d, features %d", target, threshold, size, features)
                .containsExactly(expected);
          }
        }
      }
      // Every candidate qualifies: the hits are the range itself, up to and without the top.
      for (int features : copies(digest)) {
        assertThat(nativeHits(digest, features, "ab", 2, start, Long.MAX_VALUE))
            .containsExactly(LongStream.range(start, Long.MAX_VALUE).toArray());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void targetsWithPaddingOrCharactersNoTextHolds_giveTheJavaPathsHits(Digest digest)
      throws Exception {
    // '=' matches only the padding; a space never matches; both in pieces of their own.
    String[] targets = {"=", "==", "a=", "Q==", "ab=", "x y", "+/=", "é"};
    for (String target : targets) {
      int m = target.codePointCount(0, target.length());
      for (int threshold = 0; threshold <= m; threshold++) {
        long[] expected = javaHits(digest, target, threshold, 60_000, 63_000);
        for (int features : copies(digest)) {
          assertThat(nativeHits(digest, features, target, threshold, 60_000, 63_000))
              .as("%s within %d, features %d", target, threshold, features)
              .containsExactly(expected);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void aFullHitBuffer_endsTheCallRightAfterItsLastHit(Digest digest) {
    for (int features : copies(digest)) {
      // Every candidate qualifies: one call fills the buffer and stops there.
      Scan scan = new Scan(digest, features, NativeKernel.encode("a", 1, digest));
      long[] hits = new long[5];

      int found = scan.scan(254, 10_000, hits);

      assertThat(found).isEqualTo(5);
      assertThat(hits).containsExactly(254, 255, 256, 257, 258);
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void anEmptyRange_findsNothing(Digest digest) {
    for (int features : copies(digest)) {
      long[] hits = {-1};

      Scan scan = new Scan(digest, features, NativeKernel.encode("aa", 0, digest));

      assertThat(scan.scan(77, 77, hits)).isZero();
      assertThat(hits).containsExactly(-1);
    }
  }

  @Test
  void aSearchOnTheKernel_findsTheSpecsAnswers() throws Exception {
    // The test vectors of the specification, through the engine (EngineContractTest runs the
    // rest).
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build()) {
      assertThat(engine.find(new Query("aa", 0, 0, "SHA-1")).get().index()).isEqualTo(101);
      assertThat(engine.find(new Query("doc", 0, 0, "SHA-1")).get().index()).isEqualTo(448);
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void anEngineWithoutTheKernel_givesTheSameAnswers(Digest digest) throws Exception {
    Query query = new Query("grpc", 1, 1, digest.algorithm);
    try (HashFinderEngine kernel = HashFinderEngine.newBuilder().build();
        HashFinderEngine java = HashFinderEngine.newBuilder().nativeKernel(false).build()) {
      assertThat(java.find(query).get()).isEqualTo(kernel.find(query).get());
    }
  }

  @ParameterizedTest
  @EnumSource(Digest.class)
  void aFind_examinesExactlyTheCandidatesUpToItsAnswer_onBothPaths(Digest digest)
      throws Exception {
    Query query = new Query("doc", 0, 0, digest.algorithm);
    long answer = -1;
    for (boolean kernel : new boolean[] {true, false}) {
      try (HashFinderEngine engine = engine(kernel)) {
        long index = engine.find(query).get().index();
        if (answer < 0) {
          answer = index;
        }
        assertThat(index).as("kernel %s", kernel).isEqualTo(answer);
        assertThat(engine.hashesExamined()).as("kernel %s", kernel).isEqualTo(answer + 1);
      }
    }
  }

  @Test
  void encode_turnsTheFilterOff_whereItCannotHelp() {
    Digest sha1 = Digest.SHA_1;
    assertThat(NativeKernel.encode("ab", 2, sha1)[192]).as("threshold >= length")
        .isEqualTo((byte) 1);
    assertThat(NativeKernel.encode("abcdefghijkl", 8, sha1)[192]).as("9 pieces")
        .isEqualTo((byte) 1);
    assertThat(NativeKernel.encode("=", 0, sha1)[192]).as("only '='").isEqualTo((byte) 1);
    assertThat(NativeKernel.encode("abcdefghijkl", 7, sha1)[192]).as("8 pieces").isZero();
    // Pieces "ab" and " cd": the second can never match exactly, so only the first has an anchor.
    byte[] query = NativeKernel.encode("ab cd", 1, sha1);
    assertThat(query[192]).isZero();
    int bits = 0;
    for (int code = 0; code < 64; code++) {
      bits |= query[code];
    }
    assertThat(bits).isEqualTo(0b01);
  }

  @Test
  void encode_takesTargetsAsLongAsTheDigestsText() {
    assertThat(NativeKernel.encode("a".repeat(88), 0, Digest.SHA_512)[193]).isEqualTo((byte) 88);
    assertThat(NativeKernel.encode("a".repeat(24), 0, Digest.MD5)[193]).isEqualTo((byte) 24);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> NativeKernel.encode("a".repeat(25), 0, Digest.MD5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eachDigestsPath_saysWhichPathRunsAndWhy() {
    try (HashFinderEngine engine = engine(true);
        HashFinderEngine javaOnly = engine(false)) {
      for (Digest digest : Digest.values()) {
        String path = engine.searchPath(digest.algorithm.toLowerCase(java.util.Locale.ROOT));
        if (NativeKernel.runs(digest)) {
          boolean wide = (NativeKernel.features() & NativeKernel.CPU_AVX512) != 0;
          assertThat(path).matches(digest == Digest.SHA_1 || digest == Digest.SHA_256
              ? "native \\(SHA-NI, [0-9]+ messages at once, " + (wide ? "AVX-512" : "AVX2")
                  + " filter\\)"
              : "native \\(" + (wide ? "AVX-512" : "AVX2") + ", [0-9]+ lanes at once\\)");
        } else {
          assertThat(path).startsWith("Java (").contains("native kernel");
        }
        assertThat(javaOnly.searchPath(digest.algorithm))
            .startsWith("Java (").endsWith("native kernel off for this engine)");
      }
      assertThat(engine.searchPath("SHA3-256"))
          .isEqualTo("Java (MessageDigest; the native kernel runs SHA-1, SHA-256, MD5 and "
              + "SHA-512)");
    }
    try (HashFinderEngine guava = HashFinderEngine.newBuilder().algorithms(
        HashAlgorithms.guava("SHA-256", com.google.common.hash.Hashing.sha256())).build()) {
      assertThat(guava.searchPath("SHA-256")).startsWith("Java (Guava[")
          .endsWith("; the native kernel runs only the JDK's digests)");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> guava.searchPath("MD5"))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("no digest called MD5");
    }
  }

  @Test
  void withheldFeatures_areLeftUnused() {
    // Run by the build with -Dhashfinder.native.without=avx512 and =sha,avx512 too.
    try (HashFinderEngine engine = engine(true)) {
      if (withheld("avx512")) {
        assertThat(NativeKernel.features() & NativeKernel.CPU_AVX512).isZero();
        for (Digest digest : Digest.values()) {
          assertThat(engine.searchPath(digest.algorithm)).doesNotContain("AVX-512");
        }
      }
      if (withheld("sha")) {
        assertThat(NativeKernel.features() & NativeKernel.CPU_SHA).isZero();
        assertThat(engine.searchPath("SHA-1")).startsWith("Java (direct compression; ")
            .contains("-Dhashfinder.native.without=");
        assertThat(engine.searchPath("SHA-256")).startsWith("Java (");
        assertThat(NativeKernel.scanFor(HashAlgorithms.sha1(), "aa", 0)).isNull();
      }
    }
  }

  @Test
  void onlyTheJdksDigests_runOnTheKernel() {
    for (Digest digest : Digest.values()) {
      assertThat(NativeKernel.scanFor(HashAlgorithms.messageDigest(digest.algorithm), "aa", 0)
          != null).as(digest.algorithm).isEqualTo(NativeKernel.runs(digest));
    }
    assertThat(NativeKernel.scanFor(HashAlgorithms.messageDigest("SHA3-256"), "aa", 0)).isNull();
    assertThat(NativeKernel.scanFor(
        HashAlgorithms.guava("SHA-256", com.google.common.hash.Hashing.sha256()), "aa", 0))
        .isNull();
  }

  @Test
  void theSpeedCheck_keepsAKernelBelowItsFloor_offTheSearch() {
    // The rule alone (timing it would be a timed test): this machine's SHA-1 kernel once ran at
    // 0.2 M/s, against some 20 M/s for SHA-NI one message at a time.
    assertThat(NativeKernel.compareSpeeds(0.2e6, 20e6, 0.5))
        .isEqualTo("slower than expected on this CPU: 0.20 M candidates/s, one message at a"
            + " time 20.00 M/s");
    assertThat(NativeKernel.compareSpeeds(9.9e6, 20e6, 0.5)).startsWith("slower than expected");
    assertThat(NativeKernel.compareSpeeds(10e6, 20e6, 0.5)).isNull();
    assertThat(NativeKernel.compareSpeeds(4e6, 5e6, 1.0)).startsWith("slower than expected");
    assertThat(NativeKernel.compareSpeeds(80e6, 5e6, 1.0)).isNull();
  }

  private static long randomStart(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> random.nextInt(70_000);
      case 1 -> Math.max(0, BOUNDARIES[random.nextInt(BOUNDARIES.length)] - random.nextInt(50));
      case 2 -> random.nextLong() >>> (1 + random.nextInt(40));
      default -> Long.MAX_VALUE - 4_000 - random.nextInt(1000);
    };
  }

  private static String randomTarget(Random random, int length) {
    StringBuilder target = new StringBuilder();
    for (int i = 0; i < length; i++) {
      target.append(random.nextInt(30) == 0 ? '=' : ALPHABET.charAt(random.nextInt(64)));
    }
    return target.toString();
  }
}
