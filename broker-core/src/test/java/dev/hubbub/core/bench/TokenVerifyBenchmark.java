package dev.hubbub.core.bench;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenClaims;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Token verification: cold (signature check and parse every time) and cached. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenVerifyBenchmark {
    private TokenAuthority cold;
    private TokenAuthority cached;
    private String token;

    @Setup
    public void setUp() {
        ApiKey key = new ApiKey("bench.key", "bench-secret-0123456789", Capability.ALL);
        KeyStore keys = new KeyStore(List.of(key));
        Clock clock = Clock.systemUTC();
        TokenSettings d = TokenSettings.DEFAULTS;
        cold = new TokenAuthority(keys, clock, new TokenSettings(d.defaultTtl(), d.maxTtl(), d.timestampWindow(), d.nonceCacheSize(), 0));
        cached = new TokenAuthority(keys, clock);
        token = cached.issue(key, TokenParams.forClientId("bob").withTtl(Duration.ofHours(1).toMillis())).value().token();
    }

    @Benchmark
    public Outcome<TokenClaims> verifyCold() { return cold.verify(token); }

    @Benchmark
    public Outcome<TokenClaims> verifyCached() { return cached.verify(token); }
}
