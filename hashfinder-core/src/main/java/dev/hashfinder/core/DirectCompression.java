package dev.hashfinder.core;

import dev.hashfinder.Digester;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * SHA-1 and SHA-256 of a short input as one call of the JDK's compression function, which HotSpot
 * replaces with its SHA-NI intrinsic: the padded single block is kept per worker and only the
 * secret's bytes change, skipping {@code MessageDigest}'s buffering and bookkeeping.
 *
 * <p>It needs {@code java.base/sun.security.provider} opened to this code ({@code --add-opens
 * java.base/sun.security.provider=ALL-UNNAMED}; the executable jar's manifest does it). Where the
 * JDK does not allow it, or the system property {@code hashfinder.directCompression} is {@code
 * false}, or a digest's known-answer check at start fails, that digest goes through {@code
 * MessageDigest} as usual, with the same answers.
 */
enum DirectCompression {
  SHA_1("SHA-1", Handles.SHA_1, 5, "a9993e364706816aba3e25717850c26c9cd0d89d") {
    @Override
    void compress(Object digest, int[] state, byte[] block) throws Throwable {
      state[0] = 0x67452301;
      state[1] = 0xefcdab89;
      state[2] = 0x98badcfe;
      state[3] = 0x10325476;
      state[4] = 0xc3d2e1f0;
      Handles.SHA_1_COMPRESS.invokeExact(digest, block, 0);
    }
  },
  SHA_256("SHA-256", Handles.SHA_256, 8,
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") {
    @Override
    void compress(Object digest, int[] state, byte[] block) throws Throwable {
      state[0] = 0x6a09e667;
      state[1] = 0xbb67ae85;
      state[2] = 0x3c6ef372;
      state[3] = 0xa54ff53a;
      state[4] = 0x510e527f;
      state[5] = 0x9b05688c;
      state[6] = 0x1f83d9ab;
      state[7] = 0x5be0cd19;
      Handles.SHA_256_COMPRESS.invokeExact(digest, block, 0);
    }
  };

  /** Longest input that fits one block: 64 bytes less the 0x80 marker and the 8-byte length. */
  static final int MAX_SINGLE_BLOCK_INPUT = 55;

  /** The JDK's name of the digest. */
  final String algorithm;
  /** Words of chaining state: the digest's length in ints. */
  final int stateWords;
  // Handles is immutable (final fields: MethodHandles, immutable by their contract, and a
  // String), which the checker can only learn from Error Prone's @Immutable on it, a dependency
  // the core does not take for one class.
  @SuppressWarnings("ImmutableEnumChecker")
  private final Handles handles;
  /** Why this digest does not take the direct path; null when it does. */
  private final @Nullable String unavailableReason;

  DirectCompression(String algorithm, Handles handles, int stateWords, String abcDigest) {
    this.algorithm = algorithm;
    this.handles = handles;
    this.stateWords = stateWords;
    String reason = handles.unavailableReason;
    if (reason == null && !knownAnswerHolds(abcDigest)) {
      reason = "the known-answer check failed on this JDK";
    }
    this.unavailableReason = reason;
  }

  /**
   * Resets {@code state} to the digest's initial value and calls the intrinsic compression on
   * {@code block}. Each digest spells out its constants and calls through a method handle held in
   * a static final field, so that the JIT inlines the call, the intrinsic and the stores.
   */
  abstract void compress(Object digest, int[] state, byte[] block) throws Throwable;

  /** The direct path for the JDK digest called {@code algorithm}, if it has one that works. */
  static Optional<DirectCompression> forAlgorithm(String algorithm) {
    for (DirectCompression direct : values()) {
      if (direct.algorithm.equals(algorithm) && direct.available()) {
        return Optional.of(direct);
      }
    }
    return Optional.empty();
  }

  /** Whether this digest takes the direct path in this JVM. */
  boolean available() {
    return unavailableReason == null;
  }

  /** "direct", or why not. */
  String describe() {
    return available() ? "direct" : "MessageDigest (" + unavailableReason + ")";
  }

  /** Whether this digest of "abc" through the direct path is {@code abcDigest} (hex). */
  boolean knownAnswerHolds(String abcDigest) {
    try {
      byte[] out = new byte[4 * stateWords];
      Digester noFallback = (input, length, output) -> {
        throw new IllegalStateException("three bytes fit one block");
      };
      newDigester(noFallback).digest("abc".getBytes(StandardCharsets.US_ASCII), 3, out);
      return HexFormat.of().formatHex(out).equals(abcDigest);
    } catch (RuntimeException | Error e) {
      return false;
    }
  }

  /**
   * A digester that takes the direct path for inputs of up to {@link #MAX_SINGLE_BLOCK_INPUT}
   * bytes and hands longer ones to {@code fallback}.
   */
  Digester newDigester(Digester fallback) {
    Compressor compressor = newCompressor();
    byte[] block = compressor.block();
    return (input, length, output) -> {
      if (length > MAX_SINGLE_BLOCK_INPUT) {
        fallback.digest(input, length, output);
        return;
      }
      compressor.pad(length);
      System.arraycopy(input, 0, block, 0, length);
      compressor.compress();
      compressor.digestTo(output);
    };
  }

  /** A compressor over a block of its own; confined to one worker. */
  Compressor newCompressor() {
    return new Compressor(this);
  }

  /**
   * One 64-byte block and the JDK's compressor for it. The caller writes a message of up to
   * {@link #MAX_SINGLE_BLOCK_INPUT} bytes at the start of {@link #block()} and {@link #pad pads} it
   * for its length; {@link #compress()} then hashes it. Not thread-safe.
   */
  static final class Compressor {
    private static final VarHandle INT_BE =
        MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final DirectCompression kind;
    private final Object digest;
    private final int[] state;
    private final byte[] block = new byte[64];
    private int paddedFor = -1; // the message length the block's padding is laid out for

    private Compressor(DirectCompression kind) {
      this.kind = kind;
      try {
        this.digest = kind.handles.newDigest.invokeExact();
        this.state = (int[]) kind.handles.state.invokeExact(digest);
      } catch (Throwable t) {
        throw new IllegalStateException("cannot make a " + kind.algorithm + " compressor", t);
      }
    }

    byte[] block() {
      return block;
    }

    /** Lays out the padding for a message of {@code length} bytes, if not already. */
    void pad(int length) {
      if (length == paddedFor) {
        return;
      }
      Arrays.fill(block, length, 64, (byte) 0);
      block[length] = (byte) 0x80;
      long bits = length * 8L;
      for (int i = 0; i < 8; i++) {
        block[63 - i] = (byte) (bits >>> (8 * i));
      }
      paddedFor = length;
    }

    /** Hashes the block; returns the state, which holds the digest until the next call. */
    int[] compress() {
      try {
        kind.compress(digest, state, block);
      } catch (Throwable t) {
        throw new IllegalStateException("compression failed", t);
      }
      return state;
    }

    /** Writes the last digest's bytes to the start of {@code output}. */
    void digestTo(byte[] output) {
      for (int i = 0; i < kind.stateWords; i++) {
        INT_BE.set(output, 4 * i, state[i]);
      }
    }
  }

  /** The JDK's pieces of one digest, found once; the compression handles as constants. */
  static final class Handles {
    static final Handles SHA_1 =
        find("sun.security.provider.SHA", "sun.security.provider.SHA");
    static final Handles SHA_256 =
        find("sun.security.provider.SHA2$SHA256", "sun.security.provider.SHA2");
    static final MethodHandle SHA_1_COMPRESS = SHA_1.compress;
    static final MethodHandle SHA_256_COMPRESS = SHA_256.compress;

    /** (Object digest, byte[] block, int offset) void: the intrinsic compression. */
    final MethodHandle compress;
    /** () Object: a new JDK digest object. */
    final MethodHandle newDigest;
    /** (Object digest) int[]: its chaining state. */
    final MethodHandle state;
    /** Why the handles cannot be used; null when they can. */
    final @Nullable String unavailableReason;

    private Handles(MethodHandle compress, MethodHandle newDigest, MethodHandle state,
        @Nullable String unavailableReason) {
      this.compress = compress;
      this.newDigest = newDigest;
      this.state = state;
      this.unavailableReason = unavailableReason;
    }

    private static Handles find(String implementation, String declaring) {
      if (!Boolean.parseBoolean(System.getProperty("hashfinder.directCompression", "true"))) {
        return unavailable("disabled by -Dhashfinder.directCompression=false");
      }
      try {
        Class<?> type = Class.forName(implementation);
        Class<?> owner = Class.forName(declaring);
        MethodHandles.Lookup lookup =
            MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
        return new Handles(
            lookup.findVirtual(owner, "implCompress0",
                    MethodType.methodType(void.class, byte[].class, int.class))
                .asType(MethodType.methodType(void.class, Object.class, byte[].class, int.class)),
            MethodHandles.privateLookupIn(type, MethodHandles.lookup())
                .findConstructor(type, MethodType.methodType(void.class))
                .asType(MethodType.methodType(Object.class)),
            lookup.findGetter(owner, "state", int[].class)
                .asType(MethodType.methodType(int[].class, Object.class)),
            null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return unavailable(
            "java.base/sun.security.provider is not open to hashfinder (" + e + ")");
      }
    }

    /** Handles of the right types that throw, for a digest that does not take the direct path. */
    private static Handles unavailable(String reason) {
      return new Handles(
          failing(MethodType.methodType(void.class, Object.class, byte[].class, int.class), reason),
          failing(MethodType.methodType(Object.class), reason),
          failing(MethodType.methodType(int[].class, Object.class), reason),
          reason);
    }

    private static MethodHandle failing(MethodType type, String reason) {
      MethodHandle thrower = MethodHandles.throwException(type.returnType(),
          IllegalStateException.class).bindTo(new IllegalStateException(reason));
      return MethodHandles.dropArguments(thrower, 0, type.parameterList());
    }
  }
}
