package dev.kabuki.jcstress;

import dev.kabuki.mailbox.internal.MailboxStatus;

/** Starting states shared by the mailbox tests. */
final class MailboxStates {
    private MailboxStates() {
    }

    /** A status whose token the consumer holds (SCHEDULED), as during an activation. */
    static MailboxStatus scheduled() {
        MailboxStatus status = new MailboxStatus();
        if (!status.trySchedule()) {
            throw new IllegalStateException("a fresh status must be IDLE");
        }
        return status;
    }
}
