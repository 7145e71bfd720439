//! iTIP (RFC 5546).
