/**
 * The {@code meridian} command line: {@link dev.meridian.peer.cli.Main} parses the arguments with
 * picocli and runs either the peer daemon ({@code meridian peer}) or one client command ({@code
 * get}, {@code update}, {@code delete}, {@code list}, {@code watch}, {@code status}) against a
 * running peer over the client gRPC API ({@code meridian.peer.v1.Documents}), mapping the outcome
 * to an exit code: 0 ok, 1 refused or failed by the peer, 2 usage error, 3 peer unreachable.
 */
package dev.meridian.peer.cli;
