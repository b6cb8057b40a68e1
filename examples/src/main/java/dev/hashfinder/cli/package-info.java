/**
 * The {@code hashfinder} command line: {@code serve} runs a networked server, {@code find} asks
 * one or an embedded in-process server. Internal to the executable jar; not a library API.
 */
@NullMarked
package dev.hashfinder.cli;

import org.jspecify.annotations.NullMarked;
