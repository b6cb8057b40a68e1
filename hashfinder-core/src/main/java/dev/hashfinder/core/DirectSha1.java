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

/**
 * SHA-1 of a short input as one call of the JDK's compression function, which HotSpot replaces
 * with its SHA-NI intrinsic: the padded single block is kept per digester and only the secret's
 * bytes change, skipping {@code MessageDigest}'s buffering and bookkeeping.
 *
 * <p>It needs {@code java.base/sun.security.provider} opened to this code ({@code --add-opens
 * java.base/sun.security.provider=ALL-UNNAMED}; the executable jar's manifest does it). Where the
 * JDK does not allow it, or the system property {@code hashfinder.directSha1} is {@code false}, or
 * the known-answer check at start fails, {@link #AVAILABLE} is false and SHA-1 goes through
 * {@code MessageDigest} as usual.
 */
final class DirectSha1 {
  /** Longest input that fits one block: 64 bytes less the 0x80 marker and the 8-byte length. */
  static final int MAX_SINGLE_BLOCK_INPUT = 55;

  private static final int[] INITIAL = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** (Object sha, byte[] block, int offset) void: the intrinsic compression. */
  private static final MethodHandle COMPRESS;
  /** () Object: a new sun.security.provider.SHA. */
  private static final MethodHandle NEW_SHA;
  /** (Object sha) int[]: its chaining state. */
  private static final MethodHandle STATE;
  static final boolean AVAILABLE;
  /** Why the direct path is off, for the bench report; null when it is on. */
  static final String UNAVAILABLE_REASON;

  static {
    MethodHandle compress = null;
    MethodHandle newSha = null;
    MethodHandle state = null;
    String reason = null;
    if (!Boolean.parseBoolean(System.getProperty("hashfinder.directSha1", "true"))) {
      reason = "disabled by -Dhashfinder.directSha1=false";
    } else {
      try {
        Class<?> sha = Class.forName("sun.security.provider.SHA");
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(sha, MethodHandles.lookup());
        compress = lookup.findVirtual(sha, "implCompress0",
                MethodType.methodType(void.class, byte[].class, int.class))
            .asType(MethodType.methodType(void.class, Object.class, byte[].class, int.class));
        newSha = lookup.findConstructor(sha, MethodType.methodType(void.class))
            .asType(MethodType.methodType(Object.class));
        state = lookup.findGetter(sha, "state", int[].class)
            .asType(MethodType.methodType(int[].class, Object.class));
      } catch (ReflectiveOperationException | RuntimeException e) {
        reason = "java.base/sun.security.provider is not open to hashfinder (" + e + ")";
        compress = null;
      }
    }
    COMPRESS = compress;
    NEW_SHA = newSha;
    STATE = state;
    if (reason == null && !knownAnswerHolds()) {
      reason = "the known-answer check failed on this JDK";
    }
    AVAILABLE = reason == null;
    UNAVAILABLE_REASON = reason;
  }

  private DirectSha1() {}

  private static boolean knownAnswerHolds() {
    try {
      byte[] out = new byte[20];
      newDigester(null).digest("abc".getBytes(StandardCharsets.US_ASCII), 3, out);
      return HexFormat.of().formatHex(out).equals("a9993e364706816aba3e25717850c26c9cd0d89d");
    } catch (RuntimeException | Error e) {
      return false;
    }
  }

  /**
   * A digester that takes the direct path for inputs of up to {@link #MAX_SINGLE_BLOCK_INPUT}
   * bytes and hands longer ones to {@code fallback}.
   */
  static Digester newDigester(Digester fallback) {
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
  static Compressor newCompressor() {
    return new Compressor();
  }

  /**
   * One SHA-1 block and the JDK's compressor for it. The caller writes a message of up to {@link
   * #MAX_SINGLE_BLOCK_INPUT} bytes at the start of {@link #block()} and {@link #pad pads} it for
   * its length; {@link #compress()} then hashes it. Not thread-safe.
   */
  static final class Compressor {
    private final Object sha;
    private final int[] state;
    private final byte[] block = new byte[64];
    private int paddedFor = -1; // the message length the block's padding is laid out for

    private Compressor() {
      try {
        this.sha = NEW_SHA.invokeExact();
        this.state = (int[]) STATE.invokeExact(sha);
      } catch (Throwable t) {
        throw new IllegalStateException("cannot make a SHA-1 compressor", t);
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
      System.arraycopy(INITIAL, 0, state, 0, 5);
      try {
        COMPRESS.invokeExact(sha, block, 0);
      } catch (Throwable t) {
        throw new IllegalStateException("SHA-1 compression failed", t);
      }
      return state;
    }

    /** Writes the last digest's 20 bytes to the start of {@code output}. */
    void digestTo(byte[] output) {
      for (int i = 0; i < 5; i++) {
        INT_BE.set(output, 4 * i, state[i]);
      }
    }
  }
}
