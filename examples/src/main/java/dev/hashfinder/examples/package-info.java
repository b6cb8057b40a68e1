/**
 * Runnable examples for library users, one {@code main} each: {@link
 * dev.hashfinder.examples.CustomDigestExample}, {@link
 * dev.hashfinder.examples.CancelFromAnotherThreadExample} and {@link
 * dev.hashfinder.examples.InProcessServerExample}.
 */
@NullMarked
package dev.hashfinder.examples;

import org.jspecify.annotations.NullMarked;
