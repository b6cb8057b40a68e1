/**
 * The public types of hashfinder: queries, matches, budgets, cancellation, digests and the
 * typed endings of a search. No dependencies.
 */
module dev.hashfinder {
  exports dev.hashfinder;
}
