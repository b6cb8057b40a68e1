/**
 * The hashfinder engine. SHA-1 and SHA-256 run fastest with {@code --add-opens
 * java.base/sun.security.provider=dev.hashfinder.core}; without it they go through {@code
 * MessageDigest} with the same answers.
 */
module dev.hashfinder.core {
  requires transitive dev.hashfinder;
  requires transitive com.google.common;
  requires static transitive org.jspecify;

  exports dev.hashfinder.core;
  // Not API: what hashfinder's own modules share (see its package documentation).
  exports dev.hashfinder.core.internal;

  uses dev.hashfinder.HashAlgorithm;
}
