package dev.hashfinder.core;

import dev.hashfinder.Digester;
import dev.hashfinder.HashAlgorithm;

/** A digest that a jar adds through ServiceLoader: SHA-1 under another name. */
public final class TestSha1Algorithm implements HashAlgorithm {
  private final HashAlgorithm sha1 = HashAlgorithms.sha1();

  @Override
  public String name() {
    return "TEST-SHA-1";
  }

  @Override
  public int digestLength() {
    return sha1.digestLength();
  }

  @Override
  public Digester newDigester() {
    return sha1.newDigester();
  }
}
