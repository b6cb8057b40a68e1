package dev.hashfinder.core;

import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;

/**
 * One worker's way from a secret to its packed hash text: holds the secret buffer, walks it
 * through the search order in place, hashes it and packs the digest for {@link AnchorFilter}.
 * The digest's bytes are produced only on demand, for the few candidates the filter lets through.
 *
 * <p>Two kinds: any {@link Digester}, and SHA-1 or SHA-256 straight into the JDK's compression
 * intrinsic ({@link DirectCompression}), where the secret sits in the padded block itself and the
 * packed text is read off the chaining state without a byte in between.
 *
 * <p>Not thread-safe: confined to its worker.
 */
abstract class CandidateHasher {

  /**
   * The hasher for {@code algorithm}: the direct one where the JDK digest decided it has one
   * ({@link MessageDigestAlgorithm#direct()}), else through its digester.
   */
  static CandidateHasher of(HashAlgorithm algorithm) {
    DirectCompression direct = algorithm instanceof MessageDigestAlgorithm jdk
        ? jdk.direct().orElse(null) : null;
    return direct != null
        ? new Direct(direct) : new Generic(algorithm.newDigester(), algorithm.digestLength());
  }

  /** The secret buffer: the current secret is {@code secret()[0, length)}. */
  abstract byte[] secret();

  /** Puts the secret at {@code index} in the buffer; returns its length. */
  abstract int seek(long index);

  /** Moves the buffer to the next secret; returns its length. */
  abstract int advance(int length);

  /** Hashes the current secret and packs its hash text into {@code packed}. */
  abstract void hash(int length, long[] packed);

  /** The bytes of the last digest, then zeros; valid until the next {@link #hash}. */
  abstract byte[] digest();

  /** Any digester: hash into a byte buffer, then pack it. */
  private static final class Generic extends CandidateHasher {
    private final Digester digester;
    private final byte[] secret = new byte[SecretSequence.MAX_LENGTH + 1];
    private final byte[] digest;

    Generic(Digester digester, int digestLength) {
      this.digester = digester;
      this.digest = new byte[AnchorFilter.paddedLength(digestLength)];
    }

    @Override
    byte[] secret() {
      return secret;
    }

    @Override
    int seek(long index) {
      return SecretSequence.write(index, secret);
    }

    @Override
    int advance(int length) {
      return SecretSequence.increment(secret, length);
    }

    @Override
    void hash(int length, long[] packed) {
      digester.digest(secret, length, digest);
      AnchorFilter.pack(digest, packed);
    }

    @Override
    byte[] digest() {
      return digest;
    }
  }

  /** A digest through the compression intrinsic; the secret lives in the padded block. */
  private static final class Direct extends CandidateHasher {
    private static final long INT = 0xffffffffL;

    private final DirectCompression.Compressor compressor;
    private final boolean sha1;
    private final byte[] block;
    private final byte[] digest;
    /** Whether {@link #digest} holds the last hash's bytes already (a hit reads them twice). */
    private boolean digestWritten;

    Direct(DirectCompression kind) {
      this.compressor = kind.newCompressor();
      this.sha1 = kind == DirectCompression.SHA_1;
      this.block = compressor.block();
      this.digest = new byte[AnchorFilter.paddedLength(4 * kind.stateWords)];
    }

    @Override
    byte[] secret() {
      return block;
    }

    @Override
    int seek(long index) {
      int length = SecretSequence.write(index, block);
      compressor.pad(length);
      return length;
    }

    @Override
    int advance(int length) {
      int next = SecretSequence.increment(block, length);
      if (next != length) {
        compressor.pad(next);
      }
      return next;
    }

    @Override
    void hash(int length, long[] packed) {
      int[] state = compressor.compress();
      digestWritten = false;
      if (sha1) {
        long w0 = state[0] & INT;
        long w1 = state[1] & INT;
        long w2 = state[2] & INT;
        long w3 = state[3] & INT;
        long w4 = state[4] & INT;
        // Bits 0-59, 60-119 and 120-159 of the digest, as AnchorFilter.pack would read them.
        packed[0] = w0 << 28 | w1 >>> 4;
        packed[1] = (w1 & 0xf) << 56 | w2 << 24 | w3 >>> 8;
        packed[2] = (w3 & 0xff) << 52 | w4 << 20;
      } else {
        packGeneric(state, packed);
      }
    }

    /** Bits 60j to 60j + 59 of the state, read as big-endian ints, into {@code packed[j]}. */
    private static void packGeneric(int[] state, long[] packed) {
      for (int j = 0; j < packed.length; j++) {
        int bit = 60 * j;
        int word = bit >>> 5;
        int offset = bit & 31;
        long high = state[word] & INT;
        long middle = word + 1 < state.length ? state[word + 1] & INT : 0;
        long low = word + 2 < state.length ? state[word + 2] & INT : 0;
        long window = (high << 32 | middle) << offset | (low << offset) >>> 32;
        packed[j] = window >>> 4;
      }
    }

    @Override
    byte[] digest() {
      if (!digestWritten) {
        compressor.digestTo(digest);
        digestWritten = true;
      }
      return digest;
    }
  }
}
