package dev.hashfinder.core;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.hash.HashFunction;
import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;

/**
 * A Guava {@link HashFunction} as a {@link HashAlgorithm}. Guava returns each hash as a new
 * {@code HashCode}, so this adapter allocates once per candidate. Immutable and thread-safe.
 */
final class GuavaHashAlgorithm implements HashAlgorithm {
  private final String name;
  private final HashFunction function;
  private final int digestLength;

  GuavaHashAlgorithm(String name, HashFunction function) {
    checkArgument(function.bits() % Byte.SIZE == 0,
        "function.bits() not a whole number of bytes: %s", function.bits());
    this.name = name;
    this.function = function;
    this.digestLength = function.bits() / Byte.SIZE;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int digestLength() {
    return digestLength;
  }

  @Override
  public Digester newDigester() {
    return (input, length, output) ->
        function.hashBytes(input, 0, length).writeBytesTo(output, 0, digestLength);
  }

  @Override
  public String toString() {
    return "Guava[" + name + ": " + function + "]";
  }
}
