package dev.hubbub.transport;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * How many connections one remote address may open: a bucket of {@code burst} attempts that
 * refills at {@code perSecond}; {@code perSecond} 0 turns the limit off. Addresses in
 * {@code exempt} (IP literals or CIDR blocks, e.g. {@code 10.0.0.0/8}, {@code ::1}) are never
 * limited.
 *
 * <p>Defaults: 50 attempts/s with a burst of 200, loopback exempt. That is far more than any one
 * browser or SDK needs (one WebSocket plus a few REST connections, a reconnect with backoff) and
 * still lets a few hundred clients behind one NAT reconnect at once after a restart, while a single
 * host can no longer open sockets as fast as it can send SYNs. Loopback is exempt so that the load
 * client ({@code broker-bench}, up to 5,000 connections/s from 127.0.0.1) and a reverse proxy on
 * the same host are never limited. Behind a proxy or load balancer on another host, every
 * connection comes from the proxy's address: exempt it, or turn the limit off.
 */
public record ConnectionRate(double perSecond, int burst, List<String> exempt) {
    public static final double DEFAULT_PER_SECOND = 50;
    public static final int DEFAULT_BURST = 200;
    public static final List<String> DEFAULT_EXEMPT = List.of("127.0.0.0/8", "::1/128");
    public static final ConnectionRate DEFAULTS = new ConnectionRate(DEFAULT_PER_SECOND, DEFAULT_BURST, DEFAULT_EXEMPT);
    public static final ConnectionRate OFF = new ConnectionRate(0, 1, List.of());

    /** @throws IllegalArgumentException for a negative rate, a burst under 1 or an exempt entry that is not an address or CIDR block */
    public ConnectionRate {
        if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate must be 0 (off) or a positive number, was " + perSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, was " + burst);
        }
        exempt = List.copyOf(exempt);
        exempt.forEach(ConnectionRate::rule);
    }

    public boolean enabled() { return perSecond > 0; }

    /** The exempt entries as subnet rules. */
    List<IpSubnetFilterRule> exemptRules() {
        List<IpSubnetFilterRule> rules = new ArrayList<>(exempt.size());
        exempt.forEach(e -> rules.add(rule(e)));
        return rules;
    }

    /**
     * One exempt entry: an IP literal (a block of one) or {@code address/prefix}. Never a host name:
     * nothing here may resolve names.
     */
    static IpSubnetFilterRule rule(String entry) {
        if (entry == null) {
            throw new IllegalArgumentException("an entry is empty");
        }
        int slash = entry.indexOf('/');
        String ip = (slash < 0 ? entry : entry.substring(0, slash)).trim();
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(ip);
        if (address == null) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block (address/prefix)");
        }
        int bits = address instanceof Inet4Address ? 32 : 128;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(entry.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("'" + entry + "' has an invalid prefix length (0.." + bits + ")");
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }
}
