package dev.hubbub.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one metachannel name accepted, qualified or not; every other name starting with '[' stays refused. */
class ChannelNamesMetaTest {
    @Test
    void theIdentityAuditChannelIsAcceptedPlainAndQualified() {
        assertNull(ChannelNames.validate("[meta]identity"));
        assertNull(ChannelNames.validate("[?rewind=5][meta]identity"));
        assertEquals("[meta]identity", ChannelNames.baseName("[?rewind=5][meta]identity"));
        assertTrue(ChannelNames.isMeta("[meta]identity"));
        assertFalse(ChannelNames.isMeta("meta"));
    }

    @Test
    void otherMetachannelsAndBracketedNamesAreStillRefused() {
        for (String name : new String[] {"[meta]log", "[meta]identity2", "[meta]", "[queue]q", "[meta]Identity", ":x"}) {
            assertEquals(40010, ChannelNames.validate(name) == null ? 0 : ChannelNames.validate(name).code(), name);
        }
    }
}
