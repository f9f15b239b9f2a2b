package dev.meridian.testdata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A sequential editing trace in the josephg/editing-traces format: patches {@code (position,
 * deleted, inserted)} that, applied in order to the start content, give the end content.
 *
 * <p>{@link #automergePaper()} is Martin Kleppmann's trace of writing the LaTeX source of a paper
 * (CC BY 4.0, Martin Kleppmann and Alastair R. Beresford; see {@code traces/README.md}).
 */
public final class EditingTrace {
  /** The resource holding the automerge-paper trace. */
  public static final String AUTOMERGE_PAPER = "traces/automerge-paper.json.gz";

  /** Its sha256, as in the upstream SHA256SUMS. */
  public static final String AUTOMERGE_PAPER_SHA256 =
      "42c0ff1720c0cad77077e190e36135c9cab9f7bbc266351c0a7fe4981c6a1546";

  private final String startContent;
  private final String endContent;
  private final int[] positions;
  private final int[] deletes;
  private final String[] inserts;

  private EditingTrace(String start, String end, int[] positions, int[] deletes, String[] inserts) {
    this.startContent = start;
    this.endContent = end;
    this.positions = positions;
    this.deletes = deletes;
    this.inserts = inserts;
  }

  /** The automerge-paper trace (259,778 edits, 104,852 characters at the end). */
  public static EditingTrace automergePaper() {
    return load(resourceBytes(AUTOMERGE_PAPER));
  }

  /** The raw (gzip'd) bytes of a resource of this module, such as {@link #AUTOMERGE_PAPER}. */
  public static byte[] resourceBytes(String name) {
    try (InputStream in = EditingTrace.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The hex sha256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a gzip'd trace. */
  @SuppressWarnings("unchecked")
  public static EditingTrace load(byte[] gzipped) {
    String json;
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      json = out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> root = (Map<String, Object>) new MiniJson(json).parse();
    List<int[]> posDel = new ArrayList<>();
    List<String> ins = new ArrayList<>();
    for (Object txn : (List<Object>) root.get("txns")) {
      for (Object p : (List<Object>) ((Map<String, Object>) txn).get("patches")) {
        List<Object> patch = (List<Object>) p;
        posDel.add(new int[] {((Number) patch.get(0)).intValue(), ((Number) patch.get(1)).intValue()});
        ins.add((String) patch.get(2));
      }
    }
    int n = posDel.size();
    int[] positions = new int[n];
    int[] deletes = new int[n];
    for (int i = 0; i < n; i++) {
      positions[i] = posDel.get(i)[0];
      deletes[i] = posDel.get(i)[1];
    }
    return new EditingTrace((String) root.get("startContent"), (String) root.get("endContent"),
        positions, deletes, ins.toArray(new String[0]));
  }

  /** The content before the first patch (empty for these traces). */
  public String startContent() {
    return startContent;
  }

  /** The content after the last patch. */
  public String endContent() {
    return endContent;
  }

  /** The number of patches. */
  public int size() {
    return positions.length;
  }

  /** Where patch {@code i} applies. */
  public int position(int i) {
    return positions[i];
  }

  /** How many characters patch {@code i} deletes at its position (before inserting). */
  public int deleted(int i) {
    return deletes[i];
  }

  /** What patch {@code i} inserts at its position (possibly empty). */
  public String inserted(int i) {
    return inserts[i];
  }

  /** Applies every patch to a plain {@link StringBuilder}: the reference result. */
  public String replayPlain() {
    StringBuilder sb = new StringBuilder(startContent);
    for (int i = 0; i < size(); i++) {
      sb.replace(positions[i], positions[i] + deletes[i], inserts[i]);
    }
    return sb.toString();
  }
}
