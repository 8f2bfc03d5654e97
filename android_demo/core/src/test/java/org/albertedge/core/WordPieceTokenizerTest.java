package org.albertedge.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** Hand-checked cases; the differential test against HF BertTokenizer is tests/test_tokenizer_fuzz.py. */
public class WordPieceTokenizerTest {
    // ids:              0      1      2      3      4       5    6    7    8     9      10    11  12
    private static final String VOCAB = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n我\n喜\n欢\ngood\n##ness\nun\n,\n##欢\n";

    private static WordPieceTokenizer tok(boolean lower) throws TokenizerException {
        WordPieceTokenizer.Options o = new WordPieceTokenizer.Options();
        o.doLowerCase = lower;
        return new WordPieceTokenizer(VOCAB.getBytes(StandardCharsets.UTF_8), o);
    }

    @Test
    public void cjkCharactersSplitOneByOneAndPunctuationIsolated() throws Exception {
        assertArrayEquals(new int[] {2, 5, 6, 7, 11, 8, 9, 3}, tok(true).encode("我喜欢, GOODness"));
    }

    @Test
    public void wordThatCannotBeCoveredIsOneUnk() throws Exception {
        assertArrayEquals(new int[] {2, 1, 3}, tok(true).encode("goodx"));
        assertArrayEquals(new int[] {2, 1, 3}, tok(false).encode("GOOD"));  // no lowercasing: not in the vocabulary
    }

    @Test
    public void accentsStrippedWithLowercaseAndControlCharactersDropped() throws Exception {
        assertArrayEquals(new int[] {2, 8, 3}, tok(true).encode("gó\u0000od\u200b"));
    }

    @Test
    public void offsetsAreCodePointSpansOfTheOriginalText() throws Exception {
        Encoding e = tok(true).encode("😀 goodness", null, 0, false);
        assertArrayEquals(new int[] {2, 1, 8, 9, 3}, e.ids);
        assertArrayEquals(new int[][] {{0, 0}, {0, 1}, {2, 6}, {6, 10}, {0, 0}}, e.offsets);
    }

    @Test
    public void pairsTruncateLongestFirstAndPad() throws Exception {
        Encoding e = tok(true).encode("我喜欢我喜欢", "good", 7, false);
        assertArrayEquals(new int[] {2, 5, 6, 7, 3, 8, 3}, e.ids);  // the longer text gives up its tokens
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1}, e.typeIds);
        assertTrue(e.truncated);
        Encoding p = tok(true).encode("我", "good", 8, true);
        assertArrayEquals(new int[] {2, 5, 3, 8, 3, 0, 0, 0}, p.ids);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 0, 0}, p.attentionMask);
    }

    @Test
    public void specialTokensTypedInTheTextStayWhole() throws Exception {
        assertArrayEquals(new int[] {2, 5, 4, 7, 3}, tok(true).encode("我[MASK]欢"));
    }

    @Test
    public void vocabularyWithoutUnkIsRefused() {
        WordPieceTokenizer.Options o = new WordPieceTokenizer.Options();
        try {
            new WordPieceTokenizer("[PAD]\n[CLS]\n[SEP]\n[MASK]\n".getBytes(StandardCharsets.UTF_8), o);
            fail("accepted a vocabulary without [UNK]");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no [UNK] token"));
        }
    }

    @Test
    public void bundleConfigPicksTheKind() throws Exception {
        TokenizerConfig c = TokenizerConfig.parse("{\"kind\":\"wordpiece\",\"do_lower_case\":true,"
                + "\"special_ids\":{\"cls\":2,\"sep\":3}}");
        Tokenizer t = c.tokenizer(VOCAB.getBytes(StandardCharsets.UTF_8));
        assertEquals("wordpiece", t.kind());
        assertEquals(13, t.vocabSize());
        try {
            TokenizerConfig.parse("{\"kind\":\"bpe\"}");
            fail("accepted an unknown kind");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("kind bpe is not supported"));
        }
    }
}
