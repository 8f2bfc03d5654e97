package org.albertedge.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

/** Every line of tests/assets/golden_lines.txt must give exactly the ids HF AlbertTokenizer gave (golden_ids.jsonl). */
public class GoldenTest {
    @Test
    public void everyGoldenLineMatchesHf() throws Exception {
        AlbertTokenizer tok = TestAssets.tokenizer();
        String text = new String(Files.readAllBytes(TestAssets.asset("golden_lines.txt")), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        lines.remove(lines.size() - 1); // the file ends with a newline
        List<String> golden = Files.readAllLines(TestAssets.asset("golden_ids.jsonl"), StandardCharsets.UTF_8);
        assertEquals("line counts", golden.size(), lines.size());
        assertEquals(2228, lines.size());
        int bad = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String got = Json.intArray(tok.encode(lines.get(i)));
            if (!got.equals(golden.get(i))) {
                if (bad++ < 5) {
                    report.append("\n line ").append(i + 1).append(": ").append(lines.get(i))
                            .append("\n   want ").append(golden.get(i)).append("\n   got  ").append(got);
                }
            }
        }
        if (bad > 0) fail(bad + "/" + lines.size() + " golden lines differ:" + report);
    }
}
