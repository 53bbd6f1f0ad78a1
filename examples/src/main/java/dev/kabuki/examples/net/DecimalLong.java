package dev.kabuki.examples.net;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * Signed 64-bit decimal integers as Redis reads them ({@code string2ll}): an optional {@code -},
 * then digits without a leading zero (except {@code 0} itself); no {@code +}, no spaces, no
 * {@code -0}, nothing outside the range of a {@code long}.
 */
final class DecimalLong {
    private DecimalLong() {
    }

    static OptionalLong parse(byte[] s) {
        int n = s.length;
        if (n == 0 || n > 20) {
            return OptionalLong.empty();
        }
        if (n == 1 && s[0] == '0') {
            return OptionalLong.of(0);
        }
        int i = 0;
        boolean negative = s[0] == '-';
        if (negative) {
            i++;
        }
        if (i >= n || s[i] < '1' || s[i] > '9') {
            return OptionalLong.empty();
        }
        long v = 0; // accumulated as a negative number, whose range is one larger
        for (; i < n; i++) {
            byte c = s[i];
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
            int d = c - '0';
            if (v < (Long.MIN_VALUE + d) / 10) {
                return OptionalLong.empty();
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                return OptionalLong.empty();
            }
            v = -v;
        }
        return OptionalLong.of(v);
    }

    static byte[] format(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }
}
