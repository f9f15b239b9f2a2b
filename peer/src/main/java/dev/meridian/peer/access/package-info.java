/**
 * Access control of a peer's port: who a caller is (a bearer token, a client certificate naming
 * {@code meridian-client:<name>}, a peer certificate naming {@code meridian-peer:<site>}) and what
 * it may do (read, write or admin, each on key prefixes), as the access file says
 * ({@link dev.meridian.peer.access.AccessRules}); {@link dev.meridian.peer.access.AccessControl}
 * re-reads that file when it changes, and refuses calls with UNAUTHENTICATED or PERMISSION_DENIED,
 * one line on the {@code meridian.audit} logger and a count by reason.
 */
package dev.meridian.peer.access;
