package org.albertedge.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.Test;

/** Integrity checks against mutated files: bit flips, truncation, zeroed spans. */
public class ArtifactTest {
    /** A .pte as the converter ends it: bytes + sha256(bytes) + "AEPTESUM". */
    static byte[] pte(byte[] program) {
        byte[] out = Arrays.copyOf(program, program.length + Artifact.PTE_TRAILER);
        System.arraycopy(Sha256.raw(program, 0, program.length), 0, out, program.length, 32);
        System.arraycopy("AEPTESUM".getBytes(StandardCharsets.US_ASCII), 0, out, program.length + 32, 8);
        return out;
    }

    /** Bit flips, truncations and zeroed spans of {@code good}, each distinct from it. */
    static byte[][] mutations(byte[] good, int n, long seed) {
        Random r = new Random(seed);
        byte[][] out = new byte[n][];
        for (int k = 0; k < n; k++) {
            byte[] m;
            switch (k % 3) {
                case 0:
                    m = good.clone();
                    int at = r.nextInt(m.length);
                    m[at] ^= (byte) (1 << r.nextInt(8));
                    break;
                case 1:
                    m = Arrays.copyOf(good, r.nextInt(good.length));
                    break;
                default:
                    m = good.clone();
                    int from = r.nextInt(m.length), len = 1 + r.nextInt(64);
                    Arrays.fill(m, from, Math.min(m.length, from + len), (byte) 0);
                    if (Arrays.equals(m, good)) m[from] = 1;
            }
            out[k] = m;
        }
        return out;
    }

    private static File write(File dir, String name, byte[] data) throws Exception {
        File f = new File(dir, name);
        Files.write(f.toPath(), data);
        return f;
    }

    @Test
    public void pteTrailerCatchesEveryMutation() throws Exception {
        byte[] program = new byte[20000];
        new Random(7).nextBytes(program);
        byte[] good = pte(program);
        File dir = Files.createTempDirectory("albert-edge-pte").toFile();
        try {
            assertEquals("executorch", Artifact.open(write(dir, "m.pte", good)).backend);
            for (byte[] bad : mutations(good, 240, 1)) {
                File f = write(dir, "m.pte", bad);
                try {
                    Artifact.open(f);
                    fail("accepted a mutated .pte of " + bad.length + " bytes");
                } catch (CorruptArtifactException e) {
                    assertTrue(e.getMessage(), e.getMessage().startsWith("corrupt artifact: " + f.getPath() + ": "));
                }
            }
            write(dir, "m.pte", program);  // no trailer at all (an older converter)
            try {
                Artifact.open(new File(dir, "m.pte"));
                fail("accepted a .pte without its trailer");
            } catch (CorruptArtifactException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("no integrity trailer"));
            }
        } finally {
            for (File f : dir.listFiles()) f.delete();
            dir.delete();
        }
    }

    /** Every mutation is refused as corrupt, or (metadata the checks do not cover, e.g. zip timestamps) gives back
     * exactly the original bundle; nothing else escapes. */
    @Test
    public void tfliteMutationsNeverGiveADifferentBundle() throws Exception {
        for (boolean stored : new boolean[] {true, false}) {
            byte[] good = BundleTest.tflite(stored);
            TokenizerBundle want = TokenizerBundle.fromTflite(good, "m.tflite");
            int refused = 0;
            for (byte[] bad : mutations(good, 300, stored ? 2 : 3)) {
                try {
                    TokenizerBundle got = TokenizerBundle.fromTflite(bad, "m.tflite");
                    assertArrayEquals(want.file, got.file);
                    assertArrayEquals(want.configBytes, got.configBytes);
                } catch (CorruptArtifactException e) {
                    assertTrue(e.getMessage(), e.getMessage().startsWith("corrupt artifact: m.tflite: "));
                    refused++;
                }
            }
            assertTrue("only " + refused + " of 300 refused", refused > 250);
        }
    }

    @Test
    public void unknownSuffixAndMissingFile() throws Exception {
        for (String name : new String[] {"model.bin", "missing.pte"}) {
            try {
                Artifact.open(new File(name));
                fail("accepted " + name);
            } catch (TokenizerException e) {
                assertTrue(e.getMessage(), !(e instanceof CorruptArtifactException));
            }
        }
    }
}
