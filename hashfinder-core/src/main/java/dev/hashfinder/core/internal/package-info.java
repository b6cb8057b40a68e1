/**
 * Not API; may change without notice: pieces that hashfinder's own modules share (how a search's
 * indices are dealt out, when its deadline passes, how someone else's text is made fit for a log
 * line). An application should not use them; they are public only so that hashfinder's gRPC
 * adapter, server and cluster can.
 *
 * <p>Nullness: the package is {@code @NullMarked}: no parameter, return value or field is
 * {@code null} unless its type says {@code @Nullable}.
 */
@NullMarked
package dev.hashfinder.core.internal;

import org.jspecify.annotations.NullMarked;
