package dev.kabuki.examples.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyReorderBufferTest {
    private final ReplyReorderBuffer buffer = new ReplyReorderBuffer();

    private List<RespReply> drain() {
        List<RespReply> out = new ArrayList<>();
        RespReply r;
        while ((r = buffer.pollReady()) != null) {
            out.add(r);
        }
        return out;
    }

    @Test
    void repliesLeaveInRequestOrderWhateverOrderTheyArrive() {
        long first = buffer.reserve();
        long second = buffer.reserve();
        buffer.ready(RespReply.bulk("third"));
        buffer.complete(second, 0, RespReply.bulk("second"));
        assertThat(drain()).isEmpty();
        buffer.complete(first, 0, RespReply.bulk("first"));
        assertThat(drain()).map(r -> new String(((RespReply.Bulk) r).value())).containsExactly("first", "second", "third");
        assertThat(buffer.inFlight()).isZero();
    }

    @Test
    void aScatteredRequestIsReadyWhenEveryPartHasReplied() {
        long seq = buffer.reserve(new ReplyGather.SumOfIntegers(3));
        buffer.complete(seq, 2, RespReply.integer(1));
        buffer.complete(seq, 0, RespReply.integer(2));
        assertThat(buffer.pollReady()).isNull();
        buffer.complete(seq, 1, RespReply.integer(4));
        assertThat(buffer.pollReady()).isEqualTo(RespReply.integer(7));
    }

    @Test
    void mergedArraysPutEachValueBackInItsPlace() {
        long seq = buffer.reserve(new ReplyGather.MergeArrays(4, new int[][] {{0, 3}, {1, 2}}));
        buffer.complete(seq, 1, new RespReply.Array(List.of(RespReply.bulk("b"), RespReply.bulk("c"))));
        buffer.complete(seq, 0, new RespReply.Array(List.of(RespReply.bulk("a"), RespReply.NULL_BULK)));
        RespReply merged = buffer.pollReady();
        assertThat(merged).isInstanceOf(RespReply.Array.class);
        List<? extends RespReply> elements = ((RespReply.Array) merged).elements();
        assertThat(elements).hasSize(4);
        assertThat(((RespReply.Bulk) elements.get(0)).value()).isEqualTo("a".getBytes());
        assertThat(((RespReply.Bulk) elements.get(1)).value()).isEqualTo("b".getBytes());
        assertThat(((RespReply.Bulk) elements.get(2)).value()).isEqualTo("c".getBytes());
        assertThat(((RespReply.Bulk) elements.get(3)).value()).isNull();
    }

    @Test
    void theRingGrowsWithManyRequestsInFlight() {
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            seqs.add(buffer.reserve());
        }
        for (int i = seqs.size() - 1; i >= 0; i--) {
            buffer.complete(seqs.get(i), 0, RespReply.integer(i));
        }
        List<RespReply> out = drain();
        assertThat(out).hasSize(10_000);
        for (int i = 0; i < out.size(); i++) {
            assertThat(out.get(i)).isEqualTo(RespReply.integer(i));
        }
    }

    @Test
    void aSecondAnswerToOneRequestIsABug() {
        long seq = buffer.reserve();
        buffer.complete(seq, 0, RespReply.OK);
        assertThatThrownBy(() -> buffer.complete(seq, 0, RespReply.OK)).isInstanceOf(IllegalStateException.class);
    }
}
