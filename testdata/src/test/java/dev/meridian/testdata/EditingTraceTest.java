package dev.meridian.testdata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class EditingTraceTest {
  @Test
  void automergePaper_isTheUpstreamFile() {
    assertEquals(EditingTrace.AUTOMERGE_PAPER_SHA256,
        EditingTrace.sha256(EditingTrace.resourceBytes(EditingTrace.AUTOMERGE_PAPER)));
  }

  @Test
  void automergePaper_plainReplayGivesEndContent() {
    EditingTrace t = EditingTrace.automergePaper();
    assertEquals(259_778, t.size());
    assertEquals("", t.startContent());
    assertEquals(104_852, t.endContent().length());
    assertEquals(t.endContent(), t.replayPlain());
  }

  @Test
  void load_parsesPatchesAcrossTransactions() throws Exception {
    String json = "{\"startContent\":\"\",\"endContent\":\"hi\\u0021\","
        + "\"txns\":[{\"time\":\"t\",\"patches\":[[0,0,\"hx\"]]},{\"patches\":[[1,1,\"i!\"]]}]}";
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(json.getBytes(StandardCharsets.UTF_8));
    }
    EditingTrace t = EditingTrace.load(bytes.toByteArray());
    assertEquals(2, t.size());
    assertEquals(1, t.position(1));
    assertEquals(1, t.deleted(1));
    assertEquals("i!", t.inserted(1));
    assertEquals("hi!", t.endContent());
    assertEquals(t.endContent(), t.replayPlain());
  }

  @Test
  void load_rejectsMalformedJson() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write("{\"txns\": [1,}".getBytes(StandardCharsets.UTF_8));
    }
    assertThrows(IllegalArgumentException.class, () -> EditingTrace.load(bytes.toByteArray()));
  }
}
