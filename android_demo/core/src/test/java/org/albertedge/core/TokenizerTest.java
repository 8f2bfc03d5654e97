package org.albertedge.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.BeforeClass;
import org.junit.Test;

public class TokenizerTest {
    private static AlbertTokenizer tok;

    @BeforeClass
    public static void load() throws Exception {
        tok = TestAssets.tokenizer();
    }

    @Test
    public void emptyAndBlankLinesAreClsSep() {
        assertArrayEquals(new int[] {2, 3}, tok.encode(""));
        assertArrayEquals(new int[] {2, 3}, tok.encode(" \t\u00a0\u3000 "));
    }

    @Test
    public void truncationKeepsClsAndSep() {
        int[] full = tok.encode("the quick brown fox jumps over the lazy dog again and again");
        assertTrue(full.length > 8);
        Encoding e = tok.encode("the quick brown fox jumps over the lazy dog again and again", 8, false);
        assertTrue(e.truncated);
        assertEquals(8, e.ids.length);
        assertEquals(2, e.ids[0]);
        assertEquals(3, e.ids[7]);
        for (int i = 1; i < 7; i++) assertEquals(full[i], e.ids[i]);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1}, e.attentionMask);
    }

    @Test
    public void paddingUsesPadIdAndZeroMask() {
        int[] plain = tok.encode("hello world");
        Encoding e = tok.encode("hello world", 16, true);
        assertFalse(e.truncated);
        assertEquals(16, e.ids.length);
        for (int i = 0; i < 16; i++) {
            assertEquals(i < plain.length ? plain[i] : tok.specialId("pad"), e.ids[i]);
            assertEquals(i < plain.length ? 1 : 0, e.attentionMask[i]);
        }
        Encoding exact = tok.encode("hello world", plain.length, true);
        assertArrayEquals(plain, exact.ids);
        assertFalse(exact.truncated);
    }

    @Test(expected = IllegalArgumentException.class)
    public void maxLengthTooSmallForSpecials() {
        tok.encode("x", 1, true);
    }

    @Test
    public void specialPiecesTypedInTextStayWhole() {
        List<String> p = tok.tokenize("a[MASK]b [CLS]<unk>");
        assertEquals(tok.tokenize("a"), p.subList(0, p.indexOf("[MASK]")));
        assertEquals(List.of("[MASK]", "[CLS]", "<unk>"), p.stream().filter(s -> s.startsWith("[") || s.startsWith("<"))
                .collect(java.util.stream.Collectors.toList()));
        assertEquals(List.of("[CLS]", "<unk>"), p.subList(p.size() - 2, p.size()));
        int[] ids = tok.encode("[MASK]");
        assertArrayEquals(new int[] {2, tok.specialId("mask"), 3}, ids);
    }

    @Test
    public void astralCodePointsAreOneCharacter() {
        // One emoji (a surrogate pair in Java) is one code point: a single fused <unk> after the ▁, as in Python.
        List<String> p = tok.tokenize("\uD83D\uDE00\uD83D\uDE02");
        assertEquals(List.of("\u2581", "<unk>"), p);
    }

    @Test
    public void preprocessingMatchesHfUnicodeRules() {
        assertEquals("\"quoted\" text", tok.preprocess("``quoted'' text"));
        assertEquals("cafe", tok.preprocess("Café"));
        assertEquals("cafe", tok.preprocess("Cafe\u0301"));
        // Marks with combining class 0 are still marks for HF StripAccents: keycap U+20E3, VS16 U+FE0F.
        assertEquals("#", tok.preprocess("#\u20e3"));
        assertEquals("\u2764", tok.preprocess("\u2764\ufe0f"));
        // Per-character lowercase, no final-sigma context, locale independent (no Turkish dotless i).
        assertEquals("\u03b1\u03c3", AlbertTokenizer.lower("\u0391\u03a3"));
        assertEquals("i\u0307", AlbertTokenizer.lower("\u0130"));
        assertEquals("title", AlbertTokenizer.lower("TITLE"));
        assertEquals("\u01c6", AlbertTokenizer.lower("\u01c5"));
        assertTrue(AlbertTokenizer.isWhitespace(0x3000));
        assertFalse(AlbertTokenizer.isWhitespace(0x200B));
        assertFalse(AlbertTokenizer.isWhitespace(0x1C)); // Python's str.split() splits here, HF does not
    }

    @Test
    public void charsmapHfAndSentencePieceAgreeOnCommonText() throws Exception {
        PrecompiledCharsmap cm = PrecompiledCharsmap.parse(SentencePieceModel.parse(TestAssets.spiece())
                .precompiledCharsmap());
        assertEquals("abc", cm.normalizeHf("abc"));
        assertEquals("\u2581hello\u2581world", cm.normalizeSp("  hello   world ", true, true, true));
        assertEquals("A", cm.normalizeHf("\uFF21")); // full-width → ASCII (nmt_nfkc)
        assertEquals("\u2581A", cm.normalizeSp("\uFF21", true, true, true));
    }

    @Test
    public void bundleConfigMustMatchModel() throws Exception {
        TokenizerConfig ok = TokenizerConfig.parse("{\"special_ids\": {\"pad\": 0, \"unk\": 1, \"cls\": 2, \"sep\": 3, "
                + "\"mask\": 4}, \"labels\": [\"neg\", \"pos\"], \"seq_lens\": [32, 128]}");
        AlbertTokenizer t = AlbertTokenizer.fromBundle(TestAssets.spiece(), ok);
        assertEquals(128, ok.maxSeqLen(64));
        assertEquals(List.of("neg", "pos"), ok.labels);
        assertArrayEquals(tok.encode("hi there"), t.encode("hi there"));
        TokenizerConfig bad = TokenizerConfig.parse("{\"special_ids\": {\"cls\": 5}}");
        try {
            AlbertTokenizer.fromBundle(TestAssets.spiece(), bad);
            org.junit.Assert.fail("accepted mismatching special ids");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("do not match"));
        }
    }

    @Test
    public void softmaxAndLabels() {
        Classification c = Classification.of(new float[] {1f, 3f, 2f}, List.of("negative", "neutral", "positive"));
        assertEquals(1, c.best);
        assertEquals("neutral", c.label);
        float sum = 0;
        for (float p : c.probabilities) sum += p;
        assertEquals(1f, sum, 1e-6f);
        assertEquals(0.66524096f, c.probabilities[1], 1e-6f);
        // Huge logits stay finite; missing label names fall back to label_<i>.
        Classification big = Classification.of(new float[] {1000f, 999f, -1000f}, List.of("a"));
        assertEquals("a", big.label);
        assertEquals(0.7310586f, big.probabilities[0], 1e-6f);
        assertEquals("label_2", Classification.labelName(2, List.of("a")));
    }

    @Test
    public void offsetsFollowHfAlignments() {
        // Expected spans from HF (transformers 5, return_offsets_mapping) on the golden model.
        Encoding e = tok.encode("Hello world", null, 0, false);
        assertArrayEquals(new int[][] {{0, 0}, {0, 4}, {4, 5}, {6, 11}, {0, 0}}, e.offsets);
        Encoding q = tok.encode("``quoted'' x", null, 0, false);  // a quote pair keeps its second character's span
        assertArrayEquals(new int[][] {{0, 0}, {1, 2}, {2, 4}, {4, 5}, {5, 8}, {9, 10}, {11, 12}, {11, 12}, {0, 0}},
                q.offsets);
        Encoding f = tok.encode("Caf\u00e9 \ufb01ne", null, 0, false);  // decomposed characters keep their source span
        assertArrayEquals(new int[][] {{0, 0}, {0, 2}, {2, 4}, {5, 8}, {0, 0}}, f.offsets);
    }
}
