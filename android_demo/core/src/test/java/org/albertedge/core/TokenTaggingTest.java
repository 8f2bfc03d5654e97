package org.albertedge.core;

import static org.junit.Assert.assertEquals;

import java.util.List;
import org.junit.Test;

/** Hand-checked cases; tests/test_android_core.py compares against albert_edge/tasks.py on many more. */
public class TokenTaggingTest {
    static final List<String> LABELS = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC");

    /** Logits whose argmax per row is the given label index. */
    static float[] logits(int... best) {
        float[] out = new float[best.length * LABELS.size()];
        for (int i = 0; i < best.length; i++) out[i * LABELS.size() + best[i]] = 1f;
        return out;
    }

    @Test
    public void spansAndEntitiesFromSentencePiecePieces() {
        String text = "Ada  Lovelace in Paris";
        String[] pieces = {"[CLS]", "▁ada", "▁love", "lace", "▁in", "▁", "par", "is", "[SEP]", "<pad>"};
        int[][] offsets = {{0, 0}, {0, 3}, {4, 9}, {9, 13}, {13, 16}, {16, 17}, {17, 20}, {20, 22}, {0, 0}, {0, 0}};
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
        TokenTagging t = TokenTagging.of(pieces, offsets, mask, false, logits(0, 1, 2, 0, 0, 0, 3, 4, 0, 3),
                LABELS, text);
        assertEquals(9, t.pieces.size());
        assertEquals(List.of("O", "B-PER", "I-PER", "O", "O", "O", "B-LOC", "I-LOC", "O"), t.labels);
        // "▁love" covers the second space; the bare "▁" opens nothing; "lace" continues "love"
        assertEquals(4, t.spans.size());
        assertEquals("Lovelace", t.spans.get(1).text);
        assertEquals(5, t.spans.get(1).start);
        assertEquals("Paris", t.spans.get(3).text);
        assertEquals(2, t.entities.size());
        assertEquals("PER", t.entities.get(0).label);
        assertEquals("Ada  Lovelace", t.entities.get(0).text);
        assertEquals("LOC", t.entities.get(1).label);
    }

    @Test
    public void wordPieceContinuationsAndIobRules() {
        String text = "New-York x";
        String[] pieces = {"[CLS]", "new", "-", "york", "x", "[SEP]"};
        int[][] offsets = {{0, 0}, {0, 3}, {3, 4}, {4, 8}, {9, 10}, {0, 0}};
        int[] mask = {1, 1, 1, 1, 1, 1};
        // adjacent pieces without "##" and without a gap continue the word: one word "New-York" labeled B-LOC
        TokenTagging t = TokenTagging.of(pieces, offsets, mask, true, logits(0, 3, 0, 4, 2, 0), LABELS, text);
        assertEquals(2, t.spans.size());
        assertEquals("New-York", t.spans.get(0).text);
        // an I- of another type opens an entity of its own
        assertEquals(2, t.entities.size());
        assertEquals("PER", t.entities.get(1).label);
        assertEquals(true, t.truncated);
        assertEquals(List.of("B", "PER"), List.of(TokenTagging.entityType("S-PER")));
        assertEquals(List.of("I", "MISC"), List.of(TokenTagging.entityType("MISC")));
    }
}
