//! BER-TLV (ISO 7816-4 clause 6.2 / ITU-T X.690): multi-byte tags, long-form lengths,
//! constructed objects.
