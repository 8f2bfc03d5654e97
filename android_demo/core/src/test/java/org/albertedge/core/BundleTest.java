package org.albertedge.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.Test;

public class BundleTest {
    /** A bundle JSON as converters/bundle.py writes it (canonical: sorted keys, no spaces) for the test model. */
    static String config(String task) throws Exception {
        return "{\"do_lower_case\":true,\"files\":{\"spiece.model\":\"" + Sha256.hex(TestAssets.spiece())
                + "\"},\"inputs\":[\"input_ids\",\"attention_mask\"],\"keep_accents\":false,\"kind\":\"sentencepiece\","
                + "\"labels\":[\"negative\",\"neutral\",\"positive\"],\"output\":\"logits\",\"seq_lens\":[16,128],"
                + "\"special_ids\":{\"cls\":2,\"mask\":4,\"pad\":0,\"sep\":3,\"unk\":1},\"split_digit_comma\":false,"
                + "\"task\":\"" + task + "\"}";
    }

    static byte[] flatbuffer() {
        byte[] body = new byte[4096];
        for (int i = 0; i < body.length; i++) body[i] = (byte) (i * 31);
        return body;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The body followed by a zip of the given entries (stored, or deflated). */
    static byte[] appendZip(byte[] body, Map<String, byte[]> entries, boolean stored) throws Exception {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (stored) {
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    CRC32 c = new CRC32();
                    c.update(e.getValue());
                    ze.setCrc(c.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        byte[] z = zip.toByteArray();
        byte[] out = new byte[body.length + z.length];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(z, 0, out, body.length, z.length);
        return out;
    }

    /** A .tflite as the converter lays it out: body + zip(spiece.model, tokenizer.json, checksums.json). */
    static byte[] tflite(boolean stored) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("spiece.model", TestAssets.spiece());
        entries.put("tokenizer.json", utf8(config("sequence-classification")));
        entries.put("checksums.json", utf8("{\"model\":\"" + Sha256.hex(flatbuffer()) + "\"}"));
        return appendZip(flatbuffer(), entries, stored);
    }

    static void assertCorrupt(ThrowingRunnable r, String fragment) throws Exception {
        try {
            r.run();
            fail("accepted a corrupt artifact (expected: " + fragment + ")");
        } catch (CorruptArtifactException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("corrupt artifact: "));
            assertTrue(e.getMessage(), e.getMessage().contains(fragment));
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    public void readsTheBundleOfATflite() throws Exception {
        for (boolean stored : new boolean[] {true, false}) {
            TokenizerBundle b = TokenizerBundle.fromTflite(tflite(stored), "m.tflite");
            assertEquals("spiece.model", b.fileName);
            assertArrayEquals(TestAssets.spiece(), b.file);
            assertEquals(Task.SEQUENCE_CLASSIFICATION, b.task);
            assertEquals("positive", b.config.labels.get(2));
            assertEquals(128, b.config.maxSeqLen(0));
            assertArrayEquals(TestAssets.tokenizer().encode("Hello, world!"), b.tokenizer().encode("Hello, world!"));
        }
    }

    @Test
    public void tfliteChecksFailOnEveryKindOfDamage() throws Exception {
        byte[] good = tflite(true);
        byte[] body = good.clone();
        body[100] ^= 0x01;  // inside the flatbuffer body: only checksums.json can tell
        assertCorrupt(() -> TokenizerBundle.fromTflite(body, "m.tflite"), "model body fails its sha256 check");
        byte[] entry = good.clone();
        entry[4096 + 200] ^= 0x55;  // inside the first entry's data
        assertCorrupt(() -> TokenizerBundle.fromTflite(entry, "m.tflite"), "CRC");
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 30);
        assertCorrupt(() -> TokenizerBundle.fromTflite(cut, "m.tflite"), "no readable bundle inside");
        assertCorrupt(() -> TokenizerBundle.fromTflite(flatbuffer(), "m.tflite"), "no zip archive appended");
        Map<String, byte[]> noSums = Map.of("spiece.model", TestAssets.spiece(),
                "tokenizer.json", utf8(config("sequence-classification")));
        assertCorrupt(() -> TokenizerBundle.fromTflite(appendZip(flatbuffer(), noSums, true), "m.tflite"),
                "lacks tokenizer.json / checksums.json");
    }

    @Test
    public void tokenizerFileMustHaveTheListedSha256() throws Exception {
        byte[] model = TestAssets.spiece();
        byte[] conf = utf8(config("token-classification"));
        assertEquals(Task.TOKEN_CLASSIFICATION, TokenizerBundle.of(model, conf, "x.pte").task);
        byte[] bad = model.clone();
        bad[bad.length / 2] ^= 0x10;
        assertCorrupt(() -> TokenizerBundle.of(bad, conf, "x.pte"), "bundled spiece.model fails its sha256 check");
        assertCorrupt(() -> TokenizerBundle.of(null, conf, "x.pte"), "bundled spiece.model missing");
        byte[] sha = utf8(Sha256.hex(conf));
        assertEquals("spiece.model", TokenizerBundle.fromPte(model, conf, sha, "x.pte").fileName);
        byte[] otherConf = utf8(config("sequence-classification"));
        assertCorrupt(() -> TokenizerBundle.fromPte(model, otherConf, sha, "x.pte"),
                "tokenizer config fails its sha256 check");
    }

    @Test
    public void bundleJsonIsReadStrictly() throws Exception {
        String good = config("sequence-classification");
        String[][] cases = {
            {good.replace(",\"labels\":[\"negative\",\"neutral\",\"positive\"]", ""), "lacks labels"},
            {good.replace("\"seq_lens\":[16,128]", "\"seq_lens\":[16,\"128\"]"), "seq_lens[1] is not an integer"},
            {good.replace("\"kind\":\"sentencepiece\"", "\"kind\":\"bpe\""), "kind is \"bpe\""},
            {good.replace("{\"spiece.model\":", "{\"a.model\":\"" + "0".repeat(64) + "\",\"spiece.model\":"),
                "lists 2 tokenizer files"},
            {good.replace("\"files\":{", "\"files\":{\"x\":1,"), "files.x is not a sha256"},
            {good.substring(0, good.length() - 1), "invalid JSON"},
        };
        for (String[] c : cases) {
            assertCorrupt(() -> TokenizerBundle.of(TestAssets.spiece(), utf8(c[0]), "x.pte"), c[1]);
        }
        // a task this app does not know is not damage: the app is older than the artifact
        try {
            TokenizerBundle.of(TestAssets.spiece(), utf8(good.replace("sequence-classification", "summarization")),
                    "x.pte");
            fail("accepted an unknown task");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), !(e instanceof CorruptArtifactException)
                    && e.getMessage().contains("task \"summarization\" is not one this app runs"));
        }
    }

    @Test
    public void onnxSidecarsAndTheManifest() throws Exception {
        File dir = Files.createTempDirectory("albert-edge-onnx").toFile();
        try {
            File onnx = new File(dir, "model_fp32.onnx");
            Files.write(onnx.toPath(), flatbuffer());
            Files.write(new File(dir, "spiece.model").toPath(), TestAssets.spiece());
            byte[] conf = utf8(config("sequence-classification"));
            Files.write(new File(dir, "tokenizer.json").toPath(), conf);
            File manifest = new File(dir, "manifest.json");
            String spieceSha = Sha256.hex(TestAssets.spiece()), confSha = Sha256.hex(conf);
            String bodySha = Sha256.hex(flatbuffer());
            int n = flatbuffer().length;
            String good = ManifestTest.manifest(spieceSha, confSha, "model_fp32.onnx", bodySha, n);
            try {
                Artifact.open(onnx);
                fail("accepted an .onnx without its manifest");
            } catch (TokenizerException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("no manifest.json beside it"));
            }
            Files.write(manifest.toPath(), utf8(good));
            Artifact a = Artifact.open(onnx);
            assertEquals("onnx", a.backend);
            assertEquals(3, a.bundle.config.labels.size());
            assertArrayEquals(TestAssets.spiece(), a.bundle.file);

            Files.write(manifest.toPath(), utf8(ManifestTest.manifest(spieceSha, "0".repeat(64), "model_fp32.onnx",
                    bodySha, n)));
            assertCorrupt(() -> Artifact.open(onnx), "tokenizer.json: sha256 differs from");
            Files.write(manifest.toPath(), utf8(ManifestTest.manifest("0".repeat(64), confSha, "model_fp32.onnx",
                    bodySha, n)));
            assertCorrupt(() -> Artifact.open(onnx), "spiece.model: sha256 differs from");
            Files.write(manifest.toPath(), utf8(ManifestTest.manifest(spieceSha, confSha, "model_fp32.onnx",
                    "1".repeat(64), n)));
            assertCorrupt(() -> Artifact.open(onnx), "sha256 differs from manifest.json");
            Files.write(manifest.toPath(), utf8(ManifestTest.manifest(spieceSha, confSha, "other.onnx", bodySha, n)));
            try {
                Artifact.open(onnx);
                fail("accepted an .onnx its manifest does not list");
            } catch (TokenizerException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("does not list it"));
            }

            Files.write(manifest.toPath(), utf8(good));
            new File(dir, "spiece.model").delete();
            try {
                Artifact.open(onnx);
                fail("accepted an .onnx without its tokenizer file");
            } catch (TokenizerException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("spiece.model missing"));
            }
        } finally {
            for (File f : dir.listFiles()) f.delete();
            dir.delete();
        }
    }
}
