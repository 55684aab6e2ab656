/** The static clients of the peer and the floor, shared by their servers and the bench driver. */
export const PEER_CLIENT_ID = "bench-client";
export const PEER_CLIENT_SECRET = "bench-client-secret-0123456789-abcdefghijklmnop";
export const FLOOR_CLIENT_ID = "floor-client";
export const FLOOR_CLIENT_SECRET = "floor-client-secret-0123456789-abcdefghijklmno";
/** The peer's private_key_jwt client; its public JWK is handed to the peer in PEER_ASSERTION_JWK. */
export const PEER_PKJWT_CLIENT_ID = "bench-pkjwt-client";
