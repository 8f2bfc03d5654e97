package org.albertedge.core;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each normalized code point of a SentencePiece chunk came from, as HF {@code tokenizers}' NormalizedString
 * alignments track it through AlbertTokenizer's normalizers: a decomposed, lowercased or charsmap-expanded character
 * keeps its source's span; "``"/"''" → '"' takes the span of the second character; canonically reordered marks move
 * without their spans; the charsmap's replacements follow HF's (char, change) rules (a shorter replacement takes the
 * spans of the first characters it replaces, a longer one repeats the last).
 */
final class Alignments {
    private Alignments() {}

    /** Spans (code points, offset by {@code base}) of the normalized code points, or null if the replay disagrees. */
    static int[][] albert(AlbertTokenizer t, String chunk, int base, int[] expected) {
        List<Integer> cps = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        int pos = base;
        for (int i = 0; i < chunk.length(); pos++) {
            int cp = chunk.codePointAt(i);
            i += Character.charCount(cp);
            cps.add(cp);
            spans.add(new int[] {pos, pos + 1});
        }
        replacePair(cps, spans, '`');
        replacePair(cps, spans, '\'');
        if (!t.keepAccents) {
            List<Integer> d = new ArrayList<>();
            List<int[]> ds = new ArrayList<>();
            for (int i = 0; i < cps.size(); i++) {
                String n = AlbertTokenizer.nfkd(new String(Character.toChars(cps.get(i))));
                for (int j = 0; j < n.length(); j += Character.charCount(n.codePointAt(j))) {
                    d.add(n.codePointAt(j));
                    ds.add(spans.get(i));
                }
            }
            reorderMarks(d);
            cps.clear();
            spans.clear();
            for (int i = 0; i < d.size(); i++) {
                if (!AlbertTokenizer.isMark(d.get(i))) {
                    cps.add(d.get(i));
                    spans.add(ds.get(i));
                }
            }
        }
        if (t.doLowerCase) {
            List<Integer> l = new ArrayList<>();
            List<int[]> ls = new ArrayList<>();
            for (int i = 0; i < cps.size(); i++) {
                String s = AlbertTokenizer.lower(new String(Character.toChars(cps.get(i))));
                for (int j = 0; j < s.length(); j += Character.charCount(s.codePointAt(j))) {
                    l.add(s.codePointAt(j));
                    ls.add(spans.get(i));
                }
            }
            cps = l;
            spans = ls;
        }
        if (t.charsmap != null) {
            List<int[]> changes = charsmapChanges(t.charsmap, cps);  // {cp, change}
            List<int[]> out = new ArrayList<>();
            int offset = 0;
            cps = new ArrayList<>();
            for (int[] ch : changes) {  // HF NormalizedString::transform
                int[] align;
                if (ch[1] > 0) {
                    align = offset < 1 ? new int[] {0, 0} : spans.get(offset - 1);
                } else {
                    align = offset < spans.size() ? spans.get(offset) : spans.get(spans.size() - 1);
                    offset += 1 - ch[1];
                }
                cps.add(ch[0]);
                out.add(align);
            }
            spans = out;
        }
        if (cps.size() != expected.length) return null;
        for (int i = 0; i < expected.length; i++) if (cps.get(i) != expected[i]) return null;
        return spans.toArray(new int[0][]);
    }

    /** HF Replace("``" / "''", "\""), leftmost non-overlapping pairs; the quote keeps the second character's span. */
    private static void replacePair(List<Integer> cps, List<int[]> spans, int c) {
        for (int i = 0; i + 1 < cps.size(); i++) {
            if (cps.get(i) == c && cps.get(i + 1) == c) {
                cps.set(i, (int) '"');
                spans.set(i, spans.get(i + 1));
                cps.remove(i + 1);
                spans.remove(i + 1);
            }
        }
    }

    /** NFKD's canonical ordering of adjacent marks (code points move, positions do not). */
    private static void reorderMarks(List<Integer> cps) {
        for (int i = 1; i < cps.size(); i++) {
            for (int j = i; j > 0 && isAnyMark(cps.get(j - 1)) && isAnyMark(cps.get(j)); j--) {
                String a = new String(Character.toChars(cps.get(j - 1))), b = new String(Character.toChars(cps.get(j)));
                if (a.equals(b) || !Normalizer.normalize(a + b, Normalizer.Form.NFD).equals(b + a)) break;
                int tmp = cps.get(j);
                cps.set(j, cps.get(j - 1));
                cps.set(j - 1, tmp);
            }
        }
    }

    private static boolean isAnyMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /** HF Precompiled::normalize's (char, change) list: per grapheme, else per code point, via its replace(). */
    private static List<int[]> charsmapChanges(PrecompiledCharsmap map, List<Integer> cps) {
        StringBuilder b = new StringBuilder();
        for (int cp : cps) b.appendCodePoint(cp);
        List<int[]> changes = new ArrayList<>();
        for (String g : PrecompiledCharsmap.graphemes(b.toString())) {
            if (PrecompiledCharsmap.utf8Length(g) < 6) {
                String norm = map.transform(g);
                if (norm != null) {
                    replace(changes, g.codePointCount(0, g.length()), norm);
                    continue;
                }
            }
            for (int i = 0; i < g.length(); ) {
                int cp = g.codePointAt(i);
                i += Character.charCount(cp);
                String norm = map.transform(new String(Character.toChars(cp)));
                if (norm != null) replace(changes, 1, norm);
                else changes.add(new int[] {cp, 0});
            }
        }
        return changes;
    }

    private static void replace(List<int[]> changes, int oldCount, String norm) {
        int[] cps = norm.codePoints().toArray();
        int diff = cps.length - oldCount;
        for (int cp : cps) changes.add(new int[] {cp, 0});
        if (diff > 0) {
            for (int i = changes.size() - diff; i < changes.size(); i++) changes.get(i)[1] = 1;
        } else if (diff < 0 && !changes.isEmpty()) {
            changes.get(changes.size() - 1)[1] += diff;
        }
    }
}
