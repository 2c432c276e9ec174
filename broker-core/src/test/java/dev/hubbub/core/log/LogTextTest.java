package dev.hubbub.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogTextTest {
    @Test
    void plainTextIsReturnedAsItIs() {
        String plain = "user-42@example.com chat:room ü 日本 \uD83D\uDE00";
        assertSame(plain, LogText.untrusted(plain));
    }

    @Test
    void nullIsNamed() {
        assertEquals("<null>", LogText.untrusted(null));
    }

    // Rule: a line break or other control character a client wrote can never start a new log line.
    @Test
    void lineBreaksAreEscapedSoNoLineCanBeForged() {
        String escaped = LogText.untrusted("a\r\nINFO forged");
        assertEquals("a\\r\\nINFO forged", escaped);
        assertEquals("tab\\there", LogText.untrusted("tab\there"));
    }

    @ParameterizedTest
    @CsvSource({
            "0000, \\u0000", "001b, \\u001b", "007f, \\u007f", "0085, \\u0085", "009f, \\u009f",
            "2028, \\u2028", "2029, \\u2029", "202e, \\u202e", "2066, \\u2066", "d800, \\ud800", "dfff, \\udfff"})
    void controlAndInvisibleCharactersAreWrittenAsEscapes(String hex, String expected) {
        char c = (char) Integer.parseInt(hex, 16);
        assertEquals("x" + expected + "y", LogText.untrusted("x" + c + "y"));
    }

    @Test
    void backslashIsEscapedSoAnEscapeIsNeverAmbiguous() {
        assertEquals("a\\\\nb", LogText.untrusted("a\\nb")); // a client's literal backslash-n is not a newline
    }

    @Test
    void unpairedSurrogatesAreEscapedButPairsKept() {
        assertEquals("\\ud83d!", LogText.untrusted("\uD83D!"));
        assertEquals("!\\ude00", LogText.untrusted("!\uDE00"));
        assertEquals("\uD83D\uDE00\\n", LogText.untrusted("\uD83D\uDE00\n"));
    }

    // Rule: a long value is cut to the budget, and the line says how long it was.
    @Test
    void longTextIsTruncatedWithItsLength() {
        String huge = "x".repeat(300_000);
        String logged = LogText.untrusted(huge);
        assertEquals("x".repeat(LogText.BUDGET) + "...[300000 chars]", logged);
        assertEquals("x".repeat(LogText.BUDGET), LogText.untrusted("x".repeat(LogText.BUDGET)), "exactly the budget is kept whole");
    }

    @Test
    void escapesCountAgainstTheBudget() {
        String logged = LogText.untrusted("\n".repeat(1000), 16);
        assertEquals("\\n".repeat(8) + "...[1000 chars]", logged);
        String controls = LogText.untrusted("\u0001".repeat(10), 16); // each escape is 6 characters: 2 fit
        assertEquals("\\u0001\\u0001...[10 chars]", controls);
    }

    @Test
    void aSurrogatePairIsNeverCutInHalf() {
        String logged = LogText.untrusted("abcdefg\uD83D\uDE00xyz", 8);
        assertEquals("abcdefg...[12 chars]", logged);
        assertTrue(LogText.untrusted("abcdef\uD83D\uDE00xyz", 8).startsWith("abcdef\uD83D\uDE00..."));
    }

    @Test
    void aTinyBudgetIsAMistake() {
        assertThrows(IllegalArgumentException.class, () -> LogText.untrusted("x", 2));
    }
}
