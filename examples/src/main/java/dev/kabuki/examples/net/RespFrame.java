package dev.kabuki.examples.net;

/**
 * What travels on a RESP connection: requests from the client ({@link RespRequest}) and replies
 * from the server ({@link RespReply}). One type for both directions because a kabuki-net
 * {@link dev.kabuki.net.Codec} has one frame type for decoding and encoding: the server's decoder
 * only ever returns requests, and it only ever writes replies.
 */
public sealed interface RespFrame permits RespRequest, RespReply {
}
