/**
 * The public types of hashfinder: queries, matches, budgets, cancellation, digests and the
 * typed endings of a search. No dependencies.
 */
module dev.hashfinder {
  // Nullness annotations: needed to compile only, and read by the compilers of modules that
  // require this one.
  requires static transitive org.jspecify;

  exports dev.hashfinder;
}
