/**
 * JMH benchmarks of the engine's parts. They live in the engine's package to reach its
 * package-private pieces; build with {@code mvn -Pbench -pl hashfinder-benchmarks -am package} and
 * run {@code java -jar hashfinder-benchmarks/target/benchmarks.jar}.
 */
@NullMarked
package dev.hashfinder.core;

import org.jspecify.annotations.NullMarked;
