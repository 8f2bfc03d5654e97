package org.albertedge.core;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The core's artifact side from the command line, as the app runs it (tests/test_android_core.py compares it with
 * Python's reader and tasks):
 * <pre>
 *   manifest DIR|manifest.json         the manifest's fields as this core reads them, as JSON
 *   check ARTIFACT...                  every integrity check; per file "ok BACKEND" (+ the sha256 of the bundle JSON
 *                                      and of the tokenizer file it read) or, given several, the error line
 *   predict ARTIFACT LOGITS.jsonl      per line {"text", "logits"}: tokenize with the artifact's own bundle, then the
 *                                      post-processing of its task; prints what predict --json prints
 *   tag LABELS.json ENCODINGS.jsonl    per line {"text", "pieces", "offsets", "mask", "truncated", "logits"}:
 *                                      token-classification post-processing only
 * </pre>
 * Bad input: one line on stderr, exit 2.
 */
public final class ArtifactCli {
    private ArtifactCli() {}

    public static void main(String[] args) {
        try {
            BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            int status = run(args, out);
            out.flush();
            if (status != 0) System.exit(status);
        } catch (TokenizerException | IOException | IllegalArgumentException e) {
            System.err.println("error: " + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.exit(2);
        }
    }

    /** Exit status: 0, or 2 when {@code check} refused one of several files. */
    private static int run(String[] a, BufferedWriter out) throws TokenizerException, IOException {
        String cmd = a.length > 0 ? a[0] : "";
        if (cmd.equals("manifest") && a.length == 2) {
            out.write(Json.write(dump(Manifest.read(new File(a[1])))) + "\n");
        } else if (cmd.equals("check") && a.length >= 2) {
            int refused = 0;
            for (int i = 1; i < a.length; i++) {
                try {
                    Artifact art = Artifact.open(new File(a[i]));
                    TokenizerBundle b = art.bundle;
                    out.write("ok " + art.backend + (b == null ? "" : " " + Sha256.hex(b.configBytes) + " "
                            + Sha256.hex(b.file)) + "\n");
                } catch (TokenizerException e) {
                    if (a.length == 2) throw e;
                    out.write(e.getMessage().replace('\n', ' ') + "\n");
                    refused++;
                }
            }
            return refused > 0 ? 2 : 0;
        } else if (cmd.equals("predict") && a.length == 3) {
            Artifact art = Artifact.open(new File(a[1]));
            if (art.bundle == null) {
                throw new TokenizerException(a[1] + ": a .pte's bundle is read by the ExecuTorch runtime");
            }
            TokenizerBundle b = art.bundle;
            Tokenizer tok = b.tokenizer();
            String[] vocab = b.task.perToken ? Vocabulary.of(b) : null;
            for (Map<String, Object> line : lines(a[2])) {
                String text = (String) line.get("text");
                Encoding enc = tok.encode(text, b.config.maxSeqLen(0), false);
                Result r = b.task.postprocess(enc, vocab, floats(line.get("logits")), b.config.labels, text);
                out.write(r.toJson() + "\n");
            }
        } else if (cmd.equals("tag") && a.length == 3) {
            List<String> labels = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(read(a[1]))) labels.add((String) o);
            for (Map<String, Object> line : lines(a[2])) {
                List<?> offs = (List<?>) line.get("offsets");
                int[][] offsets = new int[offs.size()][];
                for (int i = 0; i < offsets.length; i++) offsets[i] = ints(offs.get(i));
                List<?> pieces = (List<?>) line.get("pieces");
                out.write(TokenTagging.of(pieces.toArray(new String[0]), offsets, ints(line.get("mask")),
                        (Boolean) line.get("truncated"), floats(line.get("logits")), labels,
                        (String) line.get("text")).toJson() + "\n");
            }
        } else {
            throw new TokenizerException("usage: ArtifactCli manifest DIR | check ARTIFACT | predict ARTIFACT "
                    + "LOGITS.jsonl | tag LABELS.json ENCODINGS.jsonl");
        }
        return 0;
    }

    private static String read(String path) throws TokenizerException {
        try {
            return new String(Files.readAllBytes(new File(path).toPath()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException(path + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static List<Map<String, Object>> lines(String path) throws TokenizerException, IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(new File(path).toPath(), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) if (!line.isEmpty()) out.add(Json.parseObject(line));
        }
        return out;
    }

    /** Numbers of a (nested) JSON list, flattened in order. */
    private static float[] floats(Object v) {
        List<Double> acc = new ArrayList<>();
        flatten(v, acc);
        float[] out = new float[acc.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) (double) acc.get(i);
        return out;
    }

    private static void flatten(Object v, List<Double> acc) {
        if (v instanceof List) for (Object o : (List<?>) v) flatten(o, acc);
        else acc.add(((Number) v).doubleValue());
    }

    private static int[] ints(Object v) {
        float[] f = floats(v);
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (int) f[i];
        return out;
    }

    /** The manifest rebuilt from its typed fields (not the parsed map), so a field read wrong shows up. */
    static Map<String, Object> dump(Manifest m) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("format_version", (long) m.formatVersion);
        d.put("task", m.task.id);
        d.put("labels", m.labels);
        d.put("seq_lens", longs(m.seqLens));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("kind", m.tokenizer.kind);
        t.put("files", m.tokenizer.files);
        t.put("config", m.tokenizer.config);
        t.put("config_sha256", m.tokenizer.configSha256);
        t.put("settings", m.tokenizer.settings);
        t.put("special_ids", m.tokenizer.specialIds);
        d.put("tokenizer", t);
        d.put("source", m.source);
        d.put("toolchain", m.toolchain);
        List<Object> arts = new ArrayList<>();
        for (Manifest.ArtifactEntry e : m.artifacts) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("file", e.file);
            a.put("backend", e.backend);
            a.put("precision", e.precision);
            a.put("bytes", e.bytes);
            a.put("sha256", e.sha256);
            a.put("entry_points", e.entryPoints);
            a.put("inputs", tensors(e.inputs));
            a.put("outputs", tensors(e.outputs));
            a.put("parity", e.parity);
            a.put("quantization", e.quantization);
            a.put("delegation", e.delegation);
            a.put("weights_shared", e.weightsShared);
            a.put("convert_seconds", e.convertSeconds);
            a.put("details", e.details);
            arts.add(a);
        }
        d.put("artifacts", arts);
        return d;
    }

    private static List<Object> longs(List<Integer> xs) {
        List<Object> out = new ArrayList<>();
        for (int x : xs) out.add((long) x);
        return out;
    }

    private static List<Object> tensors(List<Manifest.Tensor> ts) {
        List<Object> out = new ArrayList<>();
        for (Manifest.Tensor t : ts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name);
            m.put("dtype", t.dtype);
            m.put("shape", t.shape);
            out.add(m);
        }
        return out;
    }
}
