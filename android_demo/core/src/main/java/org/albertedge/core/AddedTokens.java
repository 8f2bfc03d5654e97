package org.albertedge.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * HF's added-token split ({@code tokenizers} AddedVocabulary, tokens not normalized): the raw text is cut at every
 * occurrence of an added token, leftmost match first and, at one position, the longest. Both kinds use it: the special
 * tokens, and for SentencePiece also the model's CONTROL pieces (as transformers 5.25 converts them).
 */
final class AddedTokens {
    private final List<String> longestFirst = new ArrayList<>();

    AddedTokens(Collection<String> tokens) {
        for (String t : tokens) if (!t.isEmpty() && !longestFirst.contains(t)) longestFirst.add(t);
        longestFirst.sort((x, y) -> y.length() - x.length());
    }

    /** One piece of the split: an added token or the text between two (char indexes into the original text). */
    static final class Segment {
        final String text;
        final boolean added;
        final int start;

        Segment(String text, boolean added, int start) {
            this.text = text;
            this.added = added;
            this.start = start;
        }
    }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        int chunkStart = 0;
        for (int i = 0; i < text.length(); ) {
            String match = null;
            for (String t : longestFirst) {
                if (text.startsWith(t, i)) {
                    match = t;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > chunkStart) out.add(new Segment(text.substring(chunkStart, i), false, chunkStart));
            out.add(new Segment(match, true, i));
            i += match.length();
            chunkStart = i;
        }
        if (chunkStart < text.length()) out.add(new Segment(text.substring(chunkStart), false, chunkStart));
        return out;
    }
}
