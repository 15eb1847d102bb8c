//! Logical channels (ISO 7816-4 clause 5.4.2) and MANAGE CHANNEL.
