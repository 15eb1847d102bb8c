//! Readable text of a CAP file.
