package org.albertedge.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.Test;

public class BundleTest {
    static final String CONFIG = "{\"do_lower_case\": true, \"remove_space\": true, \"keep_accents\": false, "
            + "\"split_digit_comma\": false, \"special_ids\": {\"pad\": 0, \"unk\": 1, \"cls\": 2, \"sep\": 3, "
            + "\"mask\": 4}, \"labels\": [\"negative\", \"neutral\", \"positive\"], \"seq_lens\": [128], "
            + "\"inputs\": [\"input_ids\", \"attention_mask\"], \"output\": \"logits\"}";

    /** A fake flatbuffer followed by a zip of the given entries (stored, or deflated). */
    static byte[] tflite(Map<String, byte[]> entries, boolean stored) throws Exception {
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
        byte[] flatbuffer = new byte[4096];
        for (int i = 0; i < flatbuffer.length; i++) flatbuffer[i] = (byte) (i * 31);
        byte[] z = zip.toByteArray();
        byte[] out = new byte[flatbuffer.length + z.length];
        System.arraycopy(flatbuffer, 0, out, 0, flatbuffer.length);
        System.arraycopy(z, 0, out, flatbuffer.length, z.length);
        return out;
    }

    @Test
    public void readsTokenizerFromAppendedZip() throws Exception {
        byte[] model = TestAssets.spiece();
        for (boolean stored : new boolean[] {true, false}) {
            byte[] file = tflite(Map.of("spiece.model", model, "tokenizer.json",
                    CONFIG.getBytes(StandardCharsets.UTF_8)), stored);
            TokenizerBundle b = TokenizerBundle.fromTflite(file);
            assertArrayEquals(model, b.spieceModel);
            assertEquals("positive", b.config.labels.get(2));
            assertEquals(128, b.config.maxSeqLen(0));
            assertArrayEquals(TestAssets.tokenizer().encode("Hello, world!"), b.tokenizer().encode("Hello, world!"));
        }
    }

    @Test
    public void missingTokenizerInTflite() throws Exception {
        byte[] file = tflite(Map.of("labels.txt", "a\nb\n".getBytes(StandardCharsets.UTF_8)), true);
        try {
            TokenizerBundle.fromTflite(file);
            fail("accepted a .tflite without spiece.model");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no spiece.model"));
        }
        try {
            TokenizerBundle.fromTflite(new byte[10000]);
            fail("accepted a .tflite without a zip");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no zip archive appended"));
        }
    }

    @Test
    public void corruptZipEntryIsDetected() throws Exception {
        byte[] model = TestAssets.spiece();
        byte[] file = tflite(Map.of("spiece.model", model, "tokenizer.json", CONFIG.getBytes(StandardCharsets.UTF_8)),
                true);
        file[4096 + 200] ^= 0x55; // inside the first entry's data
        try {
            TokenizerBundle.fromTflite(file);
            fail("accepted a corrupt zip");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("CRC"));
        }
    }

    @Test
    public void manifestDirectory() throws Exception {
        File dir = Files.createTempDirectory("albert-edge-onnx").toFile();
        try {
            Files.write(new File(dir, "tok.model").toPath(), TestAssets.spiece());
            Files.write(new File(dir, "tokenizer.json").toPath(), CONFIG.getBytes(StandardCharsets.UTF_8));
            Files.write(new File(dir, "manifest.json").toPath(), ("{\"model\": \"model.onnx\", \"tokenizer\": "
                    + "{\"file\": \"tok.model\", \"config\": \"tokenizer.json\", \"sha256\": \"x\"}}")
                    .getBytes(StandardCharsets.UTF_8));
            TokenizerBundle b = TokenizerBundle.fromManifestDir(dir);
            assertEquals(3, b.config.labels.size());
            assertArrayEquals(TestAssets.spiece(), b.spieceModel);
        } finally {
            for (File f : dir.listFiles()) f.delete();
            dir.delete();
        }
    }
}
