package org.albertedge.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.Test;

public class SentencePieceModelTest {
    @Test
    public void readsPiecesAndNormalizerSpec() throws Exception {
        SentencePieceModel m = SentencePieceModel.parse(TestAssets.spiece());
        assertEquals(3000, m.size());
        assertEquals("<pad>", m.piece(0));
        assertEquals("<unk>", m.piece(m.unkId()));
        assertEquals(SentencePieceModel.CONTROL, m.type(2));
        assertEquals("nmt_nfkc", m.normalizerName());
        assertTrue(m.addDummyPrefix());
        assertTrue(m.removeExtraWhitespaces());
        assertTrue(m.escapeWhitespaces());
        assertTrue(m.precompiledCharsmap().length > 1000);
        assertTrue(m.score(5) < 0f);
    }

    @Test
    public void specialIdsComeFromTheModel() throws Exception {
        AlbertTokenizer t = TestAssets.tokenizer();
        assertEquals(0, t.specialId("pad"));
        assertEquals(1, t.specialId("unk"));
        assertEquals(2, t.specialId("cls"));
        assertEquals(3, t.specialId("sep"));
        assertEquals(4, t.specialId("mask"));
    }

    private static void assertRejected(byte[] data, String expectedFragment) {
        try {
            SentencePieceModel m = SentencePieceModel.parse(data);
            new AlbertTokenizer(m);
            fail("accepted a corrupt model (" + data.length + " bytes)");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(expectedFragment));
            assertFalse("one line", e.getMessage().contains("\n"));
        }
    }

    @Test
    public void rejectsCorruptModels() throws Exception {
        byte[] good = TestAssets.spiece();
        assertRejected(new byte[0], "empty");
        assertRejected("hello, this is not a model\n".getBytes(StandardCharsets.UTF_8), "not a SentencePiece model");
        assertRejected(Arrays.copyOf(good, 1000), "not a SentencePiece model");
        assertRejected(Arrays.copyOf(good, good.length - 100), "");
        assertRejected("{\"a\": 1}".getBytes(StandardCharsets.UTF_8), "not a SentencePiece model");
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[1 + r.nextInt(4000)];
            r.nextBytes(junk);
            assertRejected(junk, "");
        }
    }

    @Test
    public void rejectsCorruptCharsmap() throws Exception {
        byte[] good = TestAssets.spiece();
        // The charsmap is the big bytes field near the end: break its trie-size header.
        byte[] bad = good.clone();
        int at = indexOf(bad, "nmt_nfkc".getBytes(StandardCharsets.UTF_8)) + 8; // then field 2: tag, varint length
        assertEquals(0x12, bad[at]);
        int p = at + 1;
        while ((bad[p] & 0x80) != 0) p++;
        p++;
        bad[p] = (byte) 0xFF;
        bad[p + 1] = (byte) 0xFF;
        bad[p + 2] = (byte) 0xFF;
        bad[p + 3] = (byte) 0x7F;
        assertRejected(bad, "precompiled_charsmap");
    }

    @Test
    public void rejectsModelWithoutSpecialPieces() throws Exception {
        // A hand-made ModelProto: <pad>, <unk> (id 1, as HF expects) and one normal piece, no [CLS]/[SEP].
        SentencePieceModel m = SentencePieceModel.parse(concat(piece("<pad>", 0f, 3), piece("<unk>", 0f, 2),
                piece("a", -1f, 1)));
        assertEquals(3, m.size());
        try {
            new AlbertTokenizer(m);
            fail("accepted a model without [CLS]");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no [CLS] piece"));
        }
    }

    @Test
    public void rejectsUnkAtAnIdOtherThanOne() throws Exception {
        SentencePieceModel m = SentencePieceModel.parse(concat(piece("<unk>", 0f, 2), piece("a", -1f, 1)));
        try {
            new AlbertTokenizer(m);
            fail("accepted <unk> at id 0");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("unk_id=0"));
        }
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.write(p, 0, p.length);
        return out.toByteArray();
    }

    /** ModelProto field 1 entry: {1: piece, 2: score, 3: type}. */
    static byte[] piece(String text, float score, int type) {
        byte[] s = text.getBytes(StandardCharsets.UTF_8);
        byte[] inner = new byte[2 + s.length + 5 + 2];
        int i = 0;
        inner[i++] = 0x0A;
        inner[i++] = (byte) s.length;
        System.arraycopy(s, 0, inner, i, s.length);
        i += s.length;
        inner[i++] = 0x15;
        int bits = Float.floatToIntBits(score);
        for (int k = 0; k < 4; k++) inner[i++] = (byte) (bits >>> (8 * k));
        inner[i++] = 0x18;
        inner[i++] = (byte) type;
        byte[] out = new byte[2 + inner.length];
        out[0] = 0x0A;
        out[1] = (byte) inner.length;
        System.arraycopy(inner, 0, out, 2, inner.length);
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    public void controlPiecesAreCutFromTheRawTextAndUserSymbolsStayPiecesAsHfDoes() throws Exception {
        // <pad> <unk> [CLS] [SEP] [MASK], user symbol "-", normal pieces. transformers 5.25: "-" is a piece of the
        // Unigram model (no split, so no "▁" restarts after it); [MASK] splits the raw text.
        byte[] model = concat(piece("<pad>", 0f, 3), piece("<unk>", 0f, 2), piece("[CLS]", 0f, 3),
                piece("[SEP]", 0f, 3), piece("[MASK]", 0f, 3), piece("-", 0f, 4), piece("\u2581non", -1f, 1),
                piece("\u2581european", -1f, 1), piece("\u2581", -2f, 1), piece("e", -3f, 1), piece("u", -3f, 1),
                piece("r", -3f, 1), piece("o", -3f, 1), piece("p", -3f, 1), piece("a", -3f, 1), piece("n", -3f, 1));
        AlbertTokenizer t = new AlbertTokenizer(SentencePieceModel.parse(model));
        assertEquals(java.util.List.of("\u2581non", "-", "e", "u", "r", "o", "p", "e", "a", "n"),
                t.tokenize("non-European"));
        assertEquals(java.util.List.of("\u2581non", "[MASK]", "\u2581european"), t.tokenize("non[MASK]European"));
    }
}
