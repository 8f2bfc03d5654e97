package org.albertedge.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class JsonTest {
    @Test
    public void parsesValues() throws Exception {
        Map<String, Object> m = Json.parseObject("{\"a\": [1, -2.5e1, true, null, \"x\\u00e9\\n\\\"\"], \"b\": {}}");
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-25.0, (Double) a.get(1), 0);
        assertEquals(Boolean.TRUE, a.get(2));
        assertNull(a.get(3));
        assertEquals("x\u00e9\n\"", a.get(4));
        assertTrue(((Map<?, ?>) m.get("b")).isEmpty());
        assertEquals("[2, 17, 3]", Json.intArray(new int[] {2, 17, 3}));
        assertEquals("[]", Json.intArray(new int[0]));
    }

    @Test
    public void rejectsBadJson() {
        // the last ones are what a lenient reader (org.json) would take
        for (String bad : new String[] {"", "{", "{\"a\" 1}", "[1,]", "{\"a\": 01}", "tru", "[1] x", "\"\\q\"",
                "{\"a\": \"\u0001\"}", "{'a': 1}", "{a: 1}", "{\"a\" = 1}", "[1; 2]", "[0x10]", "[1] // c", "{\"a\": 1,}"}) {
            try {
                Json.parse(bad);
                fail("accepted " + bad);
            } catch (TokenizerException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("invalid JSON"));
            }
        }
    }

    @Test
    public void writesWhatItReads() throws Exception {
        String text = "{\"s\": \"q\\\"b\\\\\\u0001\u00e9\", \"n\": [1, -2.5, 1.0E-7, null, true], \"o\": {}}";
        Object v = Json.parse(text);
        assertEquals(v, Json.parse(Json.write(v)));
        assertEquals("\"a\\\"\\\\\\u000a\"", Json.quote("a\"\\\n"));
        // floats print as the exact double of the float32, the number Python gets from float(np.float32(x))
        assertEquals("[0.10000000149011612, -2.0, NaN]", Json.floatArray(new float[] {0.1f, -2f, Float.NaN}));
    }
}
