package dev.hubbub.cluster;

import java.util.concurrent.ThreadFactory;

final class Threads {
    private Threads() {}

    /** Daemon threads with a name (they never keep the JVM alive on their own). */
    static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
