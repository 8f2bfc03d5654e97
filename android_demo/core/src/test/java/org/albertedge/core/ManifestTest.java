package org.albertedge.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import org.junit.Test;

public class ManifestTest {
    /** A format_version 2 manifest with one artifact (the shape albert_edge/manifest.py writes). */
    static String manifest(String spieceSha, String configSha, String file, String fileSha, long bytes) {
        return "{\"task\": \"token-classification\", \"labels\": [\"O\", \"B-PER\"], \"seq_lens\": [16, 32], "
                + "\"tokenizer\": {\"kind\": \"sentencepiece\", \"files\": {\"spiece.model\": \"" + spieceSha
                + "\"}, \"config\": \"tokenizer.json\", \"config_sha256\": \"" + configSha + "\", \"settings\": "
                + "{\"kind\": \"sentencepiece\", \"do_lower_case\": true}, \"special_ids\": {\"pad\": 0, \"cls\": 2}}, "
                + "\"source\": {\"checkpoint\": \"ckpt\"}, \"toolchain\": {\"onnx\": \"1.19.0\"}, \"artifacts\": [{"
                + "\"file\": \"" + file + "\", \"backend\": \"onnx\", \"precision\": \"fp32\", \"bytes\": " + bytes
                + ", \"sha256\": \"" + fileSha + "\", \"entry_points\": {\"default\": 0}, \"inputs\": [{\"name\": "
                + "\"input_ids\", \"dtype\": \"int64\", \"shape\": [\"batch\", \"sequence\"]}], \"outputs\": [{\"name\": "
                + "\"logits\", \"dtype\": \"float32\", \"shape\": [\"batch\", \"sequence\", 2]}], \"parity\": {\"default\": "
                + "{\"max_abs\": 1.5e-06}}, \"quantization\": null, \"delegation\": {}, \"weights_shared\": null, "
                + "\"convert_seconds\": 8.25, \"details\": {}}], \"format_version\": 2}";
    }

    static final String GOOD = manifest("a".repeat(64), "b".repeat(64), "model_fp32.onnx", "c".repeat(64), 1234);

    @Test
    public void readsEveryField() throws Exception {
        Manifest m = Manifest.parse(GOOD, "manifest.json");
        assertEquals(2, m.formatVersion);
        assertEquals(Task.TOKEN_CLASSIFICATION, m.task);
        assertEquals(List.of("O", "B-PER"), m.labels);
        assertEquals(List.of(16, 32), m.seqLens);
        assertEquals("tokenizer.json", m.tokenizer.config);
        assertEquals(Integer.valueOf(2), m.tokenizer.specialIds.get("cls"));
        Manifest.ArtifactEntry a = m.artifact("model_fp32.onnx");
        assertEquals(1234L, a.bytes);
        assertEquals(Integer.valueOf(0), a.entryPoints.get("default"));
        assertEquals(List.of("batch", "sequence", 2), a.outputs.get(0).shape);
        assertNull(a.quantization);
        assertNull(a.weightsShared);
        assertEquals(8.25, a.convertSeconds, 0);
        assertNull(m.artifact("other.onnx"));
    }

    @Test
    public void refusesWhatTheSchemaRefuses() {
        String[][] cases = {
            {GOOD.replace("\"format_version\": 2", "\"format_version\": 1"), "format_version 1, this app reads 2"},
            {GOOD.replace(", \"format_version\": 2", ""), "format_version null"},
            {GOOD.replace("\"source\"", "\"origin\""), "unknown field origin"},
            {GOOD.replace("\"details\": {}}", "\"details\": {}, \"model\": \"x\"}"), "artifacts[0]: unknown field model"},
            {GOOD.replace("\"backend\": \"onnx\"", "\"backend\": \"coreml\""), "artifacts[0].backend is \"coreml\""},
            {GOOD.replace("\"seq_lens\": [16, 32]", "\"seq_lens\": [2]"), "seq_lens[0] is 2, below 3"},
            {GOOD.replace("\"labels\": [\"O\", \"B-PER\"]", "\"labels\": []"), "labels is empty"},
            {GOOD.replace("\"c".concat("c".repeat(63)), "\"C".concat("c".repeat(63))), "sha256 is not a sha256"},
            {GOOD.replace("\"entry_points\": {\"default\": 0}", "\"entry_points\": {\"default\": -1}"), "below 0"},
            {GOOD.replace("\"dtype\": \"int64\"", "\"dtype\": \"int16\""), "inputs[0].dtype"},
            {GOOD.replace(", \"config\": \"tokenizer.json\"", ""), "tokenizer: lacks config"},
            {GOOD.replace("\"weights_shared\": null", "\"weights_shared\": \"yes\""), "weights_shared"},
            {"[1]", "expected a JSON object"},
            {"{\"format_version\": 2,}", "invalid JSON"},
        };
        for (String[] c : cases) {
            try {
                Manifest.parse(c[0], "manifest.json");
                fail("accepted: " + c[1]);
            } catch (TokenizerException e) {
                assertTrue(c[1] + " / " + e.getMessage(), e.getMessage().contains(c[1]));
                assertTrue(e.getMessage(), e.getMessage().startsWith("manifest.json"));
            }
        }
    }
}
