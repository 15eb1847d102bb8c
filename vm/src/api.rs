//! The Java Card 3.0.5 and GlobalPlatform 1.6 API tables (package AIDs, tokens, descriptors).
