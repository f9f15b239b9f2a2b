package dev.meridian.peer.access;

import dev.meridian.transport.grpc.TlsSettings;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control of a peer's client API and metrics endpoint, by the rules of an access file
 * ({@link AccessRules}), which it re-reads when the file's content changes (checked every
 * {@code checkEvery}): a token or certificate removed from the file is refused from the next call
 * on, without a restart. A file that fails to read or parse keeps the rules read before (logged,
 * counted in {@link #reloadFailures()}).
 *
 * <p>Who a caller is: the bearer token in the {@code authorization} metadata ({@code Bearer
 * <token>}, the scheme in any case) if the call carries one (a token the file does not hold is refused, whatever
 * certificate comes with it); else the TLS client certificate: {@code meridian-client:<name>} by
 * the file's {@code client} rules, {@code meridian-peer:<site>} by its {@code peer} rules (a peer
 * certificate without such a rule may replicate, not use the client API). A caller with neither is
 * UNAUTHENTICATED; one the file does not list is UNAUTHENTICATED (tokens) or PERMISSION_DENIED
 * (certificates); a call its grants do not cover is PERMISSION_DENIED (see {@link #interceptor()}
 * for what each call needs).
 *
 * <p>Each refusal writes exactly one WARN line on the {@code meridian.audit} logger (what was
 * refused, who, from where, the status and the reason; never a token) and counts once by reason
 * ({@link #refusals()}). A Watch already open when the file changes is judged again by the new
 * rules, and ends once they do not allow it. Thread-safe.
 */
public final class AccessControl implements AutoCloseable {
  /*
   * Design notes.
   * [1] The rules are one immutable snapshot in a volatile field: a call reads it once, so a
   *     reload never shows a call half of each file.
   * [2] The watcher compares the file's bytes, not its modification time: a rewrite within the
   *     same second, or by a tool that keeps the time, still counts.
   * [3] Open watches are judged again twice over: by reload(), after the new rules are in
   *     place, so an idle watch ends at once; and by each watch before it sends a change
   *     (RevocableWatch), so a change published between the swap and that sweep is not sent.
   */
  /** The name of the audit logger. */
  public static final String AUDIT_LOGGER = "meridian.audit";
  private static final Logger AUDIT = LoggerFactory.getLogger(AUDIT_LOGGER);
  private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
  private static final String BEARER = "Bearer ";

  /**
   * Why a call is refused.
   *
   * @param code UNAUTHENTICATED or PERMISSION_DENIED
   * @param reason the label it is counted under ({@code no-credential}, {@code unknown-token},
   *     {@code malformed-credential}, {@code unknown-client-certificate}, {@code
   *     peer-certificate}, {@code not-granted})
   * @param message what is missing, for the caller; never a secret
   */
  public record Refusal(Status.Code code, String reason, String message) {}

  /**
   * What a call presented, as the access file looks it up: a token's SHA-256, or the name a
   * certificate gives ({@code meridian-client:<name>}, {@code meridian-peer:<site>}).
   */
  record Credential(Principal.Kind kind, String key) {}

  /**
   * Who a caller is, or why it is not anybody: exactly one of {@code principal} and {@code
   * refusal} is set; {@code credential} is what it presented (null if nothing usable), {@code
   * rules} the rules it was judged by.
   */
  record Caller(Principal principal, Credential credential, AccessRules rules, Refusal refusal) {}

  private final Path file;
  private volatile AccessRules rules;
  private volatile byte[] lastRead;
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final AtomicLong reloadFailures = new AtomicLong();
  private final ScheduledExecutorService watcher;
  private final Set<RevocableWatch<?, ?>> watches = ConcurrentHashMap.newKeySet();

  private AccessControl(Path file, AccessRules rules, byte[] read, Duration checkEvery) {
    this.file = file;
    this.rules = rules;
    this.lastRead = read;
    if (file == null) {
      watcher = null;
      return;
    }
    watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meridian-access-file");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1, checkEvery.toMillis());
    watcher.scheduleWithFixedDelay(this::reloadQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the access file and re-reads it whenever its content changes, checking every {@code
   * checkEvery}.
   *
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException for a rule that is not valid ({@code file:line: what})
   */
  public static AccessControl watching(Path file, Duration checkEvery) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    AccessRules rules = AccessRules.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8),
        file.toString());
    LOG.info("access control: {} from {}", rules.summary(), file);
    return new AccessControl(file, rules, bytes, Objects.requireNonNull(checkEvery));
  }

  /** Access control by fixed rules (no file, nothing reloaded). */
  public static AccessControl fixed(AccessRules rules) {
    return new AccessControl(null, Objects.requireNonNull(rules), new byte[0], Duration.ZERO);
  }

  /**
   * Re-reads the access file now if its content changed since it was last read. New rules apply
   * from the next call on, and to the watches already open: each whose credential the new rules
   * do not know, or do not grant read on its prefix, ends before this returns (see {@link
   * #interceptor()}).
   *
   * @return true if new rules took effect
   * @throws IOException if the file cannot be read (the rules stay as they were)
   * @throws IllegalArgumentException for a rule that is not valid (the rules stay as they were)
   */
  public synchronized boolean reload() throws IOException {
    if (file == null) {
      return false;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (Arrays.equals(bytes, lastRead)) {
      return false;
    }
    AccessRules next = AccessRules.parse(
        new String(bytes, java.nio.charset.StandardCharsets.UTF_8), file.toString());
    rules = next;
    lastRead = bytes;
    LOG.info("access control: re-read {}: {}", file, next.summary());
    for (RevocableWatch<?, ?> w : watches) {
      w.recheck(); // ends the open watches the new rules do not allow
    }
    return true;
  }

  private void reloadQuietly() {
    try {
      reload();
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        // One failure per bad content, not one per check.
        byte[] bytes = null;
        try {
          bytes = Files.readAllBytes(file);
        } catch (IOException unreadable) {
          // counted below like any failure
        }
        boolean unreadableAgain = bytes == null && lastRead == null;
        if (!unreadableAgain && (bytes == null || !Arrays.equals(bytes, lastRead))) {
          reloadFailures.incrementAndGet();
          LOG.error("access control: cannot use {} ({}); the rules read before stay in force",
              file, e.getMessage());
          lastRead = bytes; // null while unreadable: one failure until it can be read again
        }
      }
    }
  }

  /** The rules in force. */
  public AccessRules rules() {
    return rules;
  }

  /**
   * The interceptor that guards the client API (and any other service it is given, such as
   * reflection). Every call needs an accepted credential; calls of the Documents service also
   * need grants: {@code Get} read on the key, {@code Update} and {@code Delete} write on the key,
   * {@code UpdateBatch} write on every key of the batch (else none applies), {@code List} and
   * {@code Watch} read on their prefix (a grant whose prefix starts the requested one), {@code
   * Status} {@code admin:*}, and any method without a rule of its own {@code admin:*}. Other
   * services need only a credential.
   *
   * <p>A Watch stays under the rules while it is open: when the access file changes so that its
   * credential is unknown (a token revoked: UNAUTHENTICATED) or lacks read on its
   * prefix (PERMISSION_DENIED), it ends with that status, audited and counted as a refusal, and
   * no change is sent on it once the new rules are in force.
   */
  public ServerInterceptor interceptor() {
    return new ApiAccess(this);
  }

  /**
   * Checks an HTTP request for the metrics endpoint: it needs a bearer token (the {@code
   * Authorization} header) whose holder has {@code admin:*}.
   *
   * @param authorization the header's value, or null
   * @param remote the client's address, for the audit log
   * @param action what is asked, for the audit log ({@code GET /metrics})
   * @return null if allowed, else the refusal (already audited and counted)
   */
  public Refusal checkHttp(String authorization, String remote, String action) {
    Caller c = authorization == null
        ? refusal(Status.Code.UNAUTHENTICATED, "no-credential", "no credential: send the header"
            + " 'Authorization: Bearer <token>' with a token that holds admin:*")
        : authenticate(authorization, null);
    Refusal r = c.refusal();
    if (r == null && !c.principal().allows(Role.ADMIN, "")) {
      r = new Refusal(Status.Code.PERMISSION_DENIED, "not-granted", c.principal()
          + " may not read the metrics (it needs admin:*; it holds " + c.principal().grantsText()
          + ")");
    }
    if (r != null) {
      refused(action, c.principal(), remote, r);
    }
    return r;
  }

  /** Who the caller is, by its authorization metadata (or null) and TLS session (or null). */
  Caller authenticate(String authorization, SSLSession session) {
    AccessRules now = rules;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
          || authorization.substring(BEARER.length()).isBlank()) {
        return refusal(Status.Code.UNAUTHENTICATED, "malformed-credential",
            "the authorization metadata must be 'Bearer <token>'");
      }
      String token = authorization.substring(BEARER.length()).strip();
      return resolve(now, new Credential(Principal.Kind.TOKEN, Tokens.sha256Hex(token)));
    }
    X509Certificate cert = leaf(session);
    if (cert != null) {
      TlsSettings.Identity id = TlsSettings.identity(cert);
      if (!id.clients().isEmpty()) {
        return resolve(now, new Credential(Principal.Kind.CLIENT, id.clients().get(0)));
      }
      if (!id.sites().isEmpty()) {
        return resolve(now, new Credential(Principal.Kind.PEER, id.sites().get(0)));
      }
    }
    return refusal(Status.Code.UNAUTHENTICATED, "no-credential", "no credential: send the"
        + " metadata 'authorization: Bearer <token>' (the CLI reads $MERIDIAN_TOKEN or"
        + " --token-file), or present a client certificate naming "
        + TlsSettings.CLIENT_SCHEME + "<name>");
  }

  /** Who {@code c} is by {@code rules}, or why they do not know it. */
  static Caller resolve(AccessRules rules, Credential c) {
    String name = c.key();
    Optional<Principal> p = switch (c.kind()) {
      case TOKEN -> rules.token(name);
      case CLIENT -> rules.client(name);
      case PEER -> rules.peer(name);
    };
    if (p.isPresent()) {
      return new Caller(p.get(), c, rules, null);
    }
    Refusal r = switch (c.kind()) {
      case TOKEN -> new Refusal(Status.Code.UNAUTHENTICATED, "unknown-token", "the bearer token is"
          + " not one this peer accepts (mistyped, or revoked from its access file)");
      case CLIENT -> new Refusal(Status.Code.PERMISSION_DENIED, "unknown-client-certificate",
          "the client certificate names " + TlsSettings.CLIENT_SCHEME + name + ", which this"
              + " peer's access file grants nothing (no 'client " + name + "' rule)");
      case PEER -> new Refusal(Status.Code.PERMISSION_DENIED, "peer-certificate", "a peer"
          + " certificate (" + TlsSettings.PEER_SCHEME + name + ") replicates but may not use the"
          + " client API unless the access file grants it (a 'peer " + name + "' rule); clients"
          + " send a bearer token or a " + TlsSettings.CLIENT_SCHEME + "<name> certificate");
    };
    return new Caller(null, c, rules, r);
  }

  /** Keeps {@code w} under the rules until it ends (see {@link #interceptor()}). */
  void opened(RevocableWatch<?, ?> w) {
    watches.add(w);
  }

  /** {@code w} ended: it leaves the set of checked watches. */
  void ended(RevocableWatch<?, ?> w) {
    watches.remove(w);
  }

  /** How many watches are open under the rules now. */
  int openWatches() {
    return watches.size();
  }

  private static Caller refusal(Status.Code code, String reason, String message) {
    return new Caller(null, null, null, new Refusal(code, reason, message));
  }

  private static X509Certificate leaf(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** Audits and counts one refusal: one line, one count. */
  void refused(String action, Principal who, String remote, Refusal r) {
    refusals.computeIfAbsent(r.reason(), k -> new LongAdder()).increment();
    AUDIT.warn("refused {} by {} from {}: {}: {}", action,
        who == null ? "an unauthenticated caller" : who, remote, r.code(), r.message());
  }

  /** Calls refused so far, by {@link Refusal#reason()}, sorted by reason. */
  public Map<String, Long> refusals() {
    Map<String, Long> out = new TreeMap<>();
    refusals.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** Times the access file changed into something that could not be read or parsed. */
  public long reloadFailures() {
    return reloadFailures.get();
  }

  /** Stops watching the file. Idempotent. */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }
}
